"""customers: business customers, their users and payment methods, and bulk imports. It imports core only, never
credit: credit adds its fields, filters and page parts to the customer through registries customers declares
(`extensions`, `staff.pages`), filled by credit at start-up. Inside customers, from the bottom up: models, filters,
extensions, selectors and presenters, services, imports and exports; then the adapters (api, staff, admin, tasks,
management), which import the domain and never each other. Checked by `make lint` (import-linter)."""
