"""JSON in: DRF's parser, bounded in depth and in numbers. A body nested thousands of levels deep would otherwise
exhaust the recursion limit (in the parser, or in anything that walks the body afterwards) and end as a 500; a
number beyond a double's range (`1e309`) would be read as infinity, which no JSON column or JSON answer can hold.
`NaN` and `Infinity` are refused by DRF's strict parsing already."""

import codecs
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

MAX_DEPTH = 32


def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite(f"The number {text[:40]} is beyond the range of a JSON number (about ±1.8e308).")
    return number


class JsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_float=_finite_float)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        except _NotFinite as error:
            raise ParseError(str(error)) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        return data
