"""The one application error type services raise besides Django's ValidationError. The API's exception handler
and the staff views turn it into their own formats."""


class ApplicationError(Exception):
    def __init__(self, code: str, detail: str, *, status: int = 422, field: str | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.field = field


class NotFound(ApplicationError):
    def __init__(self, detail: str = "The requested resource was not found."):
        super().__init__("not_found", detail, status=404)


class CustomerArchived(ApplicationError):
    def __init__(self, customer_id: str):
        super().__init__("customer_archived", f"Customer {customer_id} is archived.", status=422)
