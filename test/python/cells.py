"""The canonical text of a value read back by an independent reader (delta-rs, Spark, fastavro),
the same forms as the TypeScript writer's readAll(): decimals exact, dates ISO, timestamps
RFC 3339 UTC with milliseconds when exact, else microseconds."""
import datetime
import decimal


def cell(v):
    if isinstance(v, decimal.Decimal):
        return format(v, 'f')
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:  # Spark returns naive datetimes in the session time zone, UTC
            v = v.replace(tzinfo=datetime.timezone.utc)
        v = v.astimezone(datetime.timezone.utc)
        frac = '.%03d' % (v.microsecond // 1000) if v.microsecond % 1000 == 0 else '.%06d' % v.microsecond
        return v.strftime('%Y-%m-%dT%H:%M:%S') + frac + 'Z'
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v
