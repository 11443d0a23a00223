"""fastact: fast, accurate activation functions for NumPy arrays.

Cython kernels with OpenMP threads, behind a NumPy-shaped API::

    import fastact as fa
    y = fa.gelu(x)                     # forward
    gx = fa.gelu_backward(gy, x)       # vector-Jacobian product gy * gelu'(x)

See ``fastact.ACTIVATIONS`` for the catalogue and ``fastact.show_config()``
for the build.
"""

__version__ = "0.1.0"

try:
    from ._dispatch import kernels as _kernels  # noqa: F401
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "fastact's compiled kernels are missing. Install the package with "
        "'pip install .' (and do not run from the source folder, whose "
        "'fastact' shadows the installed one)."
    ) from exc

from ._elementwise import *  # noqa: E402,F401,F403
from ._elementwise import NAMES as _ELEMENTWISE_NAMES  # noqa: E402
from ._slopes import *  # noqa: E402,F401,F403
from ._slopes import NAMES as _SLOPES_NAMES  # noqa: E402
from ._gated import *  # noqa: E402,F401,F403
from ._gated import NAMES as _GATED_NAMES  # noqa: E402
from ._axis import *  # noqa: E402,F401,F403
from ._axis import NAMES as _AXIS_NAMES  # noqa: E402
from ._config import (get_num_threads, set_num_threads, num_threads,  # noqa: E402
                      show_config)
from ._registry import ACTIVATIONS  # noqa: E402
from . import _docs  # noqa: E402
from . import _axis_docs  # noqa: E402
from . import _examples  # noqa: E402

_docs.attach(globals())
_axis_docs.attach(globals())
_examples.attach(globals())     # after the others: it appends to their text

__all__ = (
    [n for n in _ELEMENTWISE_NAMES + _SLOPES_NAMES]
    + [n + "_backward" for n in _ELEMENTWISE_NAMES + _SLOPES_NAMES]
    + [n for n in _GATED_NAMES + _AXIS_NAMES]
    + [n + "_backward" for n in _GATED_NAMES + _AXIS_NAMES]
    + ["ACTIVATIONS", "get_num_threads", "set_num_threads", "num_threads",
       "show_config", "__version__"]
)
