"""How long a meeting title may be, counted the way DingTalk counts it.

Pure Python with no Django import: the portal's form, the DingTalk client and the local sandbox
(dingtalk_sandbox/api/body.py) all count with `title_length`, so none of them lets through a title another
refuses.
"""

TITLE_MAX_LENGTH = 50


def title_length(title: str) -> int:
    """Length as DingTalk counts it: UTF-16 code units.

    DingTalk's backend is Java, whose String.length() counts UTF-16 code units. A Chinese character
    counts one, like a Latin letter; a character outside the Basic Multilingual Plane (most emoji)
    counts two. Counting code points would let through titles DingTalk rejects.
    """
    return len(title.encode("utf-16-le", "surrogatepass")) // 2
