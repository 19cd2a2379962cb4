"""Outbound email: configuration from the environment (`configuration`), the embedded default's backend
(`backends`), rendering from templates (`rendering`), the recorded, at-most-once outbox (`services.email_queue`,
`delivery.email_send`, `dispatch`) and its sweep. Plumbing: nothing here knows customers or credit."""
