"""The credit REST API (adapters): credit checks, balances, decisions, credit transactions and repayments, the ledger.
Imports: core, customers' selectors and the credit domain."""
