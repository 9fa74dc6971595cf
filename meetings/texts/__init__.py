"""Every sentence the portal shows about meetings and DingTalk, in one place: `texts.X` wherever it is kept.

One module per concern: `editing`, `validation`, `registration`, `power_tools`, `credentials`, `login`,
`dingtalk_errors` (and `BY_CODE`, DingTalk's code -> sentence); `formatting` writes times and meeting
numbers into them; `sentences` keeps one as its code and parameters, for a job's stored results. Tests
assert against these constants. DingTalk's own text is inserted with %-formatting into plain strings and
escaped by the template like any other message: never marked safe.
"""

# Star imports, as django/forms/__init__.py does: `texts.X` names every sentence, and no name is defined
# in two modules (a second definition would silently win by import order).
from .credentials import *  # noqa: F403
from .dingtalk_errors import *  # noqa: F403
from .editing import *  # noqa: F403
from .formatting import *  # noqa: F403
from .login import *  # noqa: F403
from .next_steps import *  # noqa: F403
from .power_tools import *  # noqa: F403
from .registration import *  # noqa: F403
from .sentences import *  # noqa: F403
from .validation import *  # noqa: F403
