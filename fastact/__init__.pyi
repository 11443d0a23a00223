"""Type stub of the package: the public names of its modules' stubs."""

from ._axis import *
from ._config import get_num_threads as get_num_threads
from ._config import num_threads as num_threads
from ._config import set_num_threads as set_num_threads
from ._config import show_config as show_config
from ._elementwise import *
from ._gated import *
from ._registry import ACTIVATIONS as ACTIVATIONS
from ._slopes import *

__version__: str
__all__: list[str]
