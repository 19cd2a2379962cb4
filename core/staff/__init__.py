"""The staff UI's plumbing (adapters): roles and capabilities, the base views every app's pages build on, forms that
show the services' errors, charts' geometry, the sign-in throttle; and core's own pages (sign in, API keys, API
clients, webhook endpoints). Imports: core only; the apps' pages import it, never the reverse."""
