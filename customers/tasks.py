from celery import shared_task

from customers.imports import customer_import_run


# A worker lost mid-file redelivers the task (acks_late); the import resumes after its last committed row.
@shared_task(name="customers.run_customer_import", acks_late=True, time_limit=3600)
def run_customer_import(customer_import_id: str) -> None:
    customer_import_run(customer_import_id=customer_import_id)
