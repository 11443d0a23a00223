"""Type stubs of prelu and rrelu (hand-written; see _slopes.py)."""

from typing import Any, Literal, SupportsFloat, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

def prelu(x: ArrayLike, weight: ArrayLike, axis: int = ..., *,
          out: NDArray[Any] | None = ...) -> Any: ...
def prelu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                   y: ArrayLike | None = ..., weight: ArrayLike, axis: int = ...,
                   out: NDArray[Any] | None = ...) -> tuple[Any, Any]: ...
@overload
def rrelu(x: ArrayLike, lower: SupportsFloat = ..., upper: SupportsFloat = ...,
          training: bool | np.bool_ = ...,
          rng: np.random.Generator | int | None = ..., *,
          return_slopes: Literal[False] = ..., out: NDArray[Any] | None = ...) -> Any: ...
@overload
def rrelu(x: ArrayLike, lower: SupportsFloat = ..., upper: SupportsFloat = ...,
          training: bool | np.bool_ = ...,
          rng: np.random.Generator | int | None = ..., *,
          return_slopes: Literal[True], out: NDArray[Any] | None = ...) -> tuple[Any, Any]: ...
def rrelu_backward(grad_output: ArrayLike, x: ArrayLike | None = ..., *,
                   y: ArrayLike | None = ..., slopes: ArrayLike | None = ...,
                   lower: SupportsFloat = ..., upper: SupportsFloat = ...,
                   training: bool | np.bool_ = ..., out: NDArray[Any] | None = ...) -> Any: ...

NAMES: tuple[str, ...]
__all__ = ["prelu", "rrelu", "prelu_backward", "rrelu_backward"]
