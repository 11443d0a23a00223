"""Type stubs of the scipy.special drop-ins (hand-written; see scipy.py)."""

from typing import Any, Literal, SupportsIndex, overload

from numpy.typing import ArrayLike, NDArray

_Axis = SupportsIndex | tuple[SupportsIndex, ...] | None

def expit(x: ArrayLike, out: NDArray[Any] | None = ...) -> Any: ...
def log_expit(x: ArrayLike, out: NDArray[Any] | None = ...) -> Any: ...
def softmax(x: ArrayLike, axis: _Axis = ...) -> Any: ...
def log_softmax(x: ArrayLike, axis: _Axis = ...) -> Any: ...
@overload
def logsumexp(a: ArrayLike, axis: _Axis = ..., b: ArrayLike | None = ...,
              keepdims: bool = ..., return_sign: Literal[False] = ...) -> Any: ...
@overload
def logsumexp(a: ArrayLike, axis: _Axis = ..., b: ArrayLike | None = ...,
              keepdims: bool = ..., *, return_sign: Literal[True]) -> tuple[Any, Any]: ...

__all__ = ["expit", "log_expit", "softmax", "log_softmax", "logsumexp"]
