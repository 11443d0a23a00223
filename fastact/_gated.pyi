"""Type stubs of the gated units (hand-written; see _gated.py)."""

from typing import Any, Literal

from numpy.typing import ArrayLike, NDArray

_Approximate = Literal["none", "tanh"]

def glu(x: ArrayLike, axis: int = ..., *, out: NDArray[Any] | None = ...) -> Any: ...
def glu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                 y: ArrayLike | None = ..., axis: int = ...,
                 out: NDArray[Any] | None = ...) -> Any: ...
def swiglu(x: ArrayLike, axis: int = ..., *, out: NDArray[Any] | None = ...) -> Any: ...
def swiglu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                    y: ArrayLike | None = ..., axis: int = ...,
                    out: NDArray[Any] | None = ...) -> Any: ...
def geglu(x: ArrayLike, axis: int = ..., *, approximate: _Approximate = ...,
          out: NDArray[Any] | None = ...) -> Any: ...
def geglu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                   y: ArrayLike | None = ..., axis: int = ...,
                   approximate: _Approximate = ...,
                   out: NDArray[Any] | None = ...) -> Any: ...
def reglu(x: ArrayLike, axis: int = ..., *, out: NDArray[Any] | None = ...) -> Any: ...
def reglu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                   y: ArrayLike | None = ..., axis: int = ...,
                   out: NDArray[Any] | None = ...) -> Any: ...

NAMES: tuple[str, ...]
__all__ = ["glu", "swiglu", "geglu", "reglu", "glu_backward", "swiglu_backward",
           "geglu_backward", "reglu_backward"]
