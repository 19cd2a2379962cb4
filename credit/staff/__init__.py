"""The staff pages for credit (adapters): the dashboard, a customer's credit histories and actions, the review queue,
and the parts credit adds to the customer page (`parts`). Imports: core, customers (its staff base views and pages
registry) and the credit domain."""
