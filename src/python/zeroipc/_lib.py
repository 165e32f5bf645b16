"""Loading libzeroipc with ctypes and declaring the C API.

Every symbol of the C headers (core/include/zeroipc/*.h) is declared here and
nowhere else. Prototypes are attached lazily, on first use: a library built
before streams or channels existed still loads, and only the missing calls
raise (``NotImplementedError``) when a program uses them.

The library is found, in order, through the ``ZEROIPC_LIBRARY`` environment
variable (a path), the path recorded when the package was installed
(``_config.LIBRARY``), ``ctypes.util.find_library('zeroipc')``, and the
soname ``libzeroipc.so.0``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import (POINTER, c_bool, c_char, c_char_p, c_int, c_int64, c_long, c_size_t,
                    c_ssize_t, c_uint32, c_uint64, c_void_p)
from typing import Any, Callable, Optional

__all__ = ["lib", "library_path", "Type", "Entry", "Usage", "LazyInfo", "QueueStats",
           "LAZY_COMPUTE_FN", "SEGMENT_VISIT_FN", "has"]


class Type(ctypes.Structure):
    """``struct zipc_type``: an element type and its size in bytes."""
    _fields_ = [("elem", c_int), ("size", c_uint32)]


class Entry(ctypes.Structure):
    """``struct zipc_entry``: one structure as the registry sees it."""
    _fields_ = [("name", c_char * 32), ("offset", c_uint64), ("size", c_uint64),
                ("kind", c_int), ("type", Type), ("tagged", c_bool)]


class Usage(ctypes.Structure):
    """``struct zipc_segment_usage``."""
    _fields_ = [("size", c_uint64), ("used", c_uint64), ("entries", c_uint32),
                ("max_entries", c_uint32)]


class LazyInfo(ctypes.Structure):
    """``struct zipc_lazy_info``."""
    _fields_ = [("state", c_int), ("compute_count", c_uint32), ("owner_pid", c_uint32),
                ("demand", c_uint32)]


class QueueStats(ctypes.Structure):
    """``struct zipc_queue_stats``."""
    _fields_ = [("holes_skipped", c_uint64), ("claims_reclaimed", c_uint64)]


#: ``zipc_lazy_compute_fn``: int (*)(void *ctx, void *out, char *err, size_t errlen)
LAZY_COMPUTE_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_char), c_size_t)
#: ``zipc_segment_visit_fn``: int (*)(const char *name, void *ctx)
SEGMENT_VISIT_FN = ctypes.CFUNCTYPE(c_int, c_char_p, c_void_p)

_P = c_void_p
_I = c_int

# name: (restype, argtypes)
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    # error.h
    "zipc_strerror": (c_char_p, [c_int]),
    "zipc_last_error": (c_char_p, []),
    # segment.h
    "zipc_segment_create": (_I, [c_char_p, c_uint64, c_uint32, c_uint32, POINTER(_P)]),
    "zipc_segment_open": (_I, [c_char_p, POINTER(_P)]),
    "zipc_segment_close": (None, [_P]),
    "zipc_segment_unlink": (_I, [c_char_p]),
    "zipc_segment_name": (c_char_p, [_P]),
    "zipc_segment_fd": (_I, [_P]),
    "zipc_segment_base": (_P, [_P]),
    "zipc_segment_usage": (_I, [_P, POINTER(Usage)]),
    "zipc_segment_list": (_I, [SEGMENT_VISIT_FN, _P]),
    # registry.h
    "zipc_name_check": (_I, [c_char_p]),
    "zipc_entry_list": (c_long, [_P, POINTER(Entry), c_size_t]),
    "zipc_entry_find": (_I, [_P, c_char_p, POINTER(Entry)]),
    "zipc_entry_remove": (_I, [_P, c_char_p]),
    "zipc_entry_tag": (_I, [_P, c_char_p, c_int, Type]),
    # types.h
    "zipc_type_parse": (_I, [c_char_p, POINTER(Type)]),
    "zipc_type_format": (_I, [Type, c_char_p, c_size_t]),
    "zipc_kind_name": (c_char_p, [c_int]),
    "zipc_kind_parse": (_I, [c_char_p, POINTER(c_int)]),
    # event.h
    "zipc_event_arm": (c_uint32, [_P]),
    "zipc_event_disarm": (None, [_P]),
    "zipc_event_wait": (_I, [_P, c_uint32, c_int64]),
    "zipc_event_wait_any": (_I, [POINTER(_P), POINTER(c_uint32), c_size_t, c_int64]),
    "zipc_event_sequence": (c_uint32, [_P]),
    # array.h
    "zipc_array_create": (_I, [_P, c_char_p, Type, c_uint64, POINTER(_P)]),
    "zipc_array_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_array_close": (None, [_P]),
    "zipc_array_data": (_P, [_P]),
    "zipc_array_capacity": (c_uint64, [_P]),
    "zipc_array_type": (Type, [_P]),
    "zipc_array_data_offset": (c_uint64, [_P]),
    "zipc_array_get": (_I, [_P, c_uint64, _P]),
    "zipc_array_set": (_I, [_P, c_uint64, _P]),
    # queue.h
    "zipc_queue_create": (_I, [_P, c_char_p, Type, c_uint32, POINTER(_P)]),
    "zipc_queue_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_queue_close": (None, [_P]),
    "zipc_queue_capacity": (c_uint32, [_P]),
    "zipc_queue_type": (Type, [_P]),
    "zipc_queue_count": (c_uint32, [_P]),
    "zipc_queue_set_stall_timeout": (_I, [_P, c_int64]),
    "zipc_queue_try_push": (_I, [_P, _P]),
    "zipc_queue_try_pop": (_I, [_P, _P]),
    "zipc_queue_push": (_I, [_P, _P, c_int64]),
    "zipc_queue_pop": (_I, [_P, _P, c_int64]),
    "zipc_queue_try_push_batch": (c_ssize_t, [_P, _P, c_size_t]),
    "zipc_queue_try_pop_batch": (c_ssize_t, [_P, _P, c_size_t]),
    "zipc_queue_push_batch": (c_ssize_t, [_P, _P, c_size_t, c_int64]),
    "zipc_queue_pop_batch": (c_ssize_t, [_P, _P, c_size_t, c_int64]),
    "zipc_queue_stats": (None, [_P, POINTER(QueueStats)]),
    "zipc_queue_event": (_P, [_P, c_int]),
    # stack.h
    "zipc_stack_create": (_I, [_P, c_char_p, Type, c_uint32, POINTER(_P)]),
    "zipc_stack_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_stack_close": (None, [_P]),
    "zipc_stack_capacity": (c_uint32, [_P]),
    "zipc_stack_type": (Type, [_P]),
    "zipc_stack_count": (c_uint32, [_P]),
    "zipc_stack_set_stall_timeout": (_I, [_P, c_int64]),
    "zipc_stack_try_push": (_I, [_P, _P]),
    "zipc_stack_try_pop": (_I, [_P, _P]),
    "zipc_stack_push": (_I, [_P, _P, c_int64]),
    "zipc_stack_pop": (_I, [_P, _P, c_int64]),
    "zipc_stack_event": (_P, [_P, c_int]),
    # future.h
    "zipc_future_create": (_I, [_P, c_char_p, Type, c_uint32, POINTER(_P)]),
    "zipc_future_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_future_close": (None, [_P]),
    "zipc_future_set": (_I, [_P, _P]),
    "zipc_future_fail": (_I, [_P, c_char_p]),
    "zipc_future_get": (_I, [_P, _P, c_int64]),
    "zipc_future_try_get": (_I, [_P, _P]),
    "zipc_future_state": (c_int, [_P]),
    "zipc_future_error": (_I, [_P, c_char_p, c_size_t]),
    "zipc_future_event": (_P, [_P]),
    "zipc_future_value_size": (c_size_t, [_P]),
    "zipc_future_type": (Type, [_P]),
    # lazy.h
    "zipc_lazy_create": (_I, [_P, c_char_p, Type, c_uint32, POINTER(_P)]),
    "zipc_lazy_create_const": (_I, [_P, c_char_p, Type, c_uint32, _P, POINTER(_P)]),
    "zipc_lazy_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_lazy_close": (None, [_P]),
    "zipc_lazy_force": (_I, [_P, LAZY_COMPUTE_FN, _P, _P, c_int64]),
    "zipc_lazy_try_get": (_I, [_P, _P]),
    "zipc_lazy_serve": (_I, [_P, LAZY_COMPUTE_FN, _P, c_int64]),
    "zipc_lazy_provide": (_I, [_P, _P]),
    "zipc_lazy_demand": (_I, [_P]),
    "zipc_lazy_event": (_P, [_P]),
    "zipc_lazy_info": (None, [_P, POINTER(LazyInfo)]),
    "zipc_lazy_error": (_I, [_P, c_char_p, c_size_t]),
    "zipc_lazy_value_size": (c_size_t, [_P]),
    "zipc_lazy_type": (Type, [_P]),
    "zipc_lazy_set_check_period": (_I, [_P, c_int64]),
    # stream.h
    "zipc_stream_create": (_I, [_P, c_char_p, Type, c_uint32, c_int, c_uint32, POINTER(_P)]),
    "zipc_stream_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_stream_close_handle": (None, [_P]),
    "zipc_stream_type": (Type, [_P]),
    "zipc_stream_capacity": (c_uint32, [_P]),
    "zipc_stream_policy": (c_int, [_P]),
    "zipc_stream_emitted": (c_uint64, [_P]),
    "zipc_stream_is_closed": (c_bool, [_P]),
    "zipc_stream_subscribers": (c_uint32, [_P]),
    "zipc_stream_emit": (_I, [_P, _P, c_int64]),
    "zipc_stream_try_emit": (_I, [_P, _P]),
    "zipc_stream_emit_batch": (c_ssize_t, [_P, _P, c_size_t, c_int64]),
    "zipc_stream_close": (_I, [_P]),
    "zipc_stream_subscribe": (_I, [_P, c_int, POINTER(_P)]),
    "zipc_stream_unsubscribe": (None, [_P]),
    "zipc_stream_next": (_I, [_P, _P, c_int64]),
    "zipc_stream_try_next": (_I, [_P, _P]),
    "zipc_stream_next_batch": (c_ssize_t, [_P, _P, c_size_t, c_int64]),
    "zipc_stream_missed": (c_uint64, [_P]),
    "zipc_stream_cursor": (c_uint64, [_P]),
    "zipc_stream_event": (_P, [_P, c_int]),
    "zipc_stream_set_stall_timeout": (_I, [_P, c_int64]),
    # channel.h
    "zipc_channel_create": (_I, [_P, c_char_p, Type, c_uint32, POINTER(_P)]),
    "zipc_channel_open": (_I, [_P, c_char_p, POINTER(_P)]),
    "zipc_channel_close_handle": (None, [_P]),
    "zipc_channel_type": (Type, [_P]),
    "zipc_channel_capacity": (c_uint32, [_P]),
    "zipc_channel_count": (c_uint32, [_P]),
    "zipc_channel_is_closed": (_I, [_P]),
    "zipc_channel_send": (_I, [_P, _P, c_int64]),
    "zipc_channel_try_send": (_I, [_P, _P]),
    "zipc_channel_recv": (_I, [_P, _P, c_int64]),
    "zipc_channel_try_recv": (_I, [_P, _P]),
    "zipc_channel_close": (_I, [_P]),
    "zipc_channel_select": (_I, [POINTER(_P), c_size_t, _P, POINTER(c_int), c_int64]),
    "zipc_channel_event": (_P, [_P, c_int]),
    "zipc_channel_set_stall_timeout": (_I, [_P, c_int64]),
}


def library_path() -> str:
    """Return the path or soname of the libzeroipc this package loads."""
    env = os.environ.get("ZEROIPC_LIBRARY")
    if env:
        return env
    try:
        from . import _config  # generated at install time by meson
        if os.path.exists(_config.LIBRARY):
            return _config.LIBRARY
    except ImportError:
        pass
    found = ctypes.util.find_library("zeroipc")
    return found or "libzeroipc.so.0"


class _Library:
    """The loaded library; attributes are C functions with prototypes attached."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._dll = ctypes.CDLL(path)  # CDLL: calls release the GIL
        except OSError as e:
            raise ImportError(f"zeroipc: cannot load libzeroipc ({e}); install it, or set "
                              "ZEROIPC_LIBRARY to the path of libzeroipc.so") from e
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        proto = _PROTOTYPES.get(name)
        if proto is None:
            raise AttributeError(name)
        with self._lock:
            try:
                fn = getattr(self._dll, name)
            except AttributeError:
                raise NotImplementedError(
                    f"{name} is not in {self.path}: this libzeroipc does not implement it yet"
                ) from None
            fn.restype, fn.argtypes = proto
            setattr(self, name, fn)  # later lookups skip __getattr__
        return fn

    def has(self, name: str) -> bool:
        """True if the library exports the C function ``name``."""
        try:
            getattr(self, name)
            return True
        except (NotImplementedError, AttributeError):
            return False


lib: _Library = _Library(library_path())


def has(name: str) -> bool:
    """True if the loaded libzeroipc exports ``name`` (e.g. ``zipc_stream_create``)."""
    return lib.has(name)


def optional_int(v: Optional[int]) -> int:
    """None -> 0, for C parameters where 0 means the default."""
    return 0 if v is None else int(v)
