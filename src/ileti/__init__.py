"""ileti: the iletiMerkezi SMS API as a local sandbox, a typed client, and tools."""

from ileti.codes import Code, Family, MessageStatus, OrderStatus

__version__ = "0.1.0"

__all__ = [
    "Code",
    "Family",
    "MessageStatus",
    "OrderStatus",
    "__version__",
]
