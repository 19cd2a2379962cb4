"""JSON out, whatever the Accept header says: a JSON-only API answers JSON rather than 406."""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer


class JsonRenderer(JSONRenderer):
    charset = "utf-8"
    # \u escapes: any string Python holds can be sent (a lone surrogate echoed in an error cannot be UTF-8 encoded).
    ensure_ascii = True


class JsonOnlyNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
