"""Type stubs of the axis-wise functions (hand-written; see _axis.py)."""

from typing import Any, Literal, SupportsFloat, SupportsIndex, overload

from numpy.typing import ArrayLike, NDArray

_Axis = SupportsIndex | tuple[SupportsIndex, ...] | None
_Out = NDArray[Any] | None

def softmax(x: ArrayLike, axis: _Axis = ..., *, temperature: SupportsFloat = ...,
            where: ArrayLike | None = ..., out: _Out = ...) -> Any: ...
def log_softmax(x: ArrayLike, axis: _Axis = ..., *, temperature: SupportsFloat = ...,
                where: ArrayLike | None = ..., out: _Out = ...) -> Any: ...
def softmin(x: ArrayLike, axis: _Axis = ..., *, temperature: SupportsFloat = ...,
            where: ArrayLike | None = ..., out: _Out = ...) -> Any: ...
def softmax_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                     y: ArrayLike | None = ..., axis: _Axis = ...,
                     temperature: SupportsFloat = ..., where: ArrayLike | None = ...,
                     out: _Out = ...) -> Any: ...
def log_softmax_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                         y: ArrayLike | None = ..., axis: _Axis = ...,
                         temperature: SupportsFloat = ..., where: ArrayLike | None = ...,
                         out: _Out = ...) -> Any: ...
def softmin_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                     y: ArrayLike | None = ..., axis: _Axis = ...,
                     temperature: SupportsFloat = ..., where: ArrayLike | None = ...,
                     out: _Out = ...) -> Any: ...
@overload
def logsumexp(x: ArrayLike, axis: _Axis = ..., *, keepdims: bool = ...,
              b: ArrayLike | None = ..., return_sign: Literal[False] = ...,
              where: ArrayLike | None = ..., out: _Out = ...) -> Any: ...
@overload
def logsumexp(x: ArrayLike, axis: _Axis = ..., *, keepdims: bool = ...,
              b: ArrayLike | None = ..., return_sign: Literal[True],
              where: ArrayLike | None = ..., out: _Out = ...) -> tuple[Any, Any]: ...
def logsumexp_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                       y: ArrayLike | None = ..., axis: _Axis = ..., keepdims: bool = ...,
                       b: ArrayLike | None = ..., return_sign: bool = ...,
                       where: ArrayLike | None = ..., out: _Out = ...) -> Any: ...
@overload
def maxout(x: ArrayLike, pieces: SupportsIndex, axis: SupportsIndex = ..., *,
           return_indices: Literal[False] = ..., out: _Out = ...) -> Any: ...
@overload
def maxout(x: ArrayLike, pieces: SupportsIndex, axis: SupportsIndex = ..., *,
           return_indices: Literal[True], out: _Out = ...) -> tuple[Any, Any]: ...
def maxout_backward(grad_output: ArrayLike, x: ArrayLike, pieces: SupportsIndex,
                    axis: SupportsIndex = ..., *, indices: ArrayLike | None = ...,
                    out: _Out = ...) -> Any: ...

NAMES: tuple[str, ...]
__all__ = ["softmax", "log_softmax", "softmin", "logsumexp", "maxout",
           "softmax_backward", "log_softmax_backward", "softmin_backward",
           "logsumexp_backward", "maxout_backward"]
