"""credit: credit accounts, checks and decisions, per-currency balances on an append-only ledger, purchases on
credit. It imports core and customers. Inside credit, from the bottom up: vocabulary (statuses, codes, the
transitions table), models, filters and errors, selectors / enrollment / presenters, then engine, ledger, dashboard,
reconciliation and customer_fields, then services; then the adapters (api, staff, admin, tasks, management, views,
urls, apps), which import the domain and never each other. Checked by `make lint` (import-linter)."""
