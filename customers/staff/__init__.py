"""The staff pages for customers (adapters): list, export, detail, forms, actions, imports. Imports: core (core.staff's
base views and forms) and the customers domain; what credit shows on the customer page comes through `pages`."""
