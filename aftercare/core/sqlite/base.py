import decimal
import logging

from django.db.backends.sqlite3 import base, operations

logger = logging.getLogger(__name__)


class DatabaseOperations(operations.DatabaseOperations):
    def get_decimalfield_converter(self, expression):
        converter = super().get_decimalfield_converter(expression)
        exact = decimal.Context(prec=15).create_decimal_from_float

        def tolerant(value, expression, connection):
            try:
                return converter(value, expression, connection)
            except decimal.InvalidOperation:
                # More digits than the column's precision: the stored value, to its decimal places.
                field = expression.output_field
                logger.warning("%s holds %s, beyond its %s digits", expression, value, field.max_digits)
                return exact(value).quantize(decimal.Decimal(1).scaleb(-field.decimal_places))

        return tolerant


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
