"""A meeting number as people paste it (`meeting_number_digits`) and as DingTalk shows it (`group_digits`)."""

import pytest

from meetings import services, texts

NUMBER = "8387221234"


@pytest.mark.parametrize(
    "typed, digits",
    [
        ("8387221234", NUMBER),
        ("838 722 1234", NUMBER),
        ("838-722-1234", NUMBER),
        ("会议号：838 722 1234", NUMBER),
        ("https://meeting.dingtalk.com/j/8387221234", NUMBER),
        ("邀请您参加钉钉视频会议\n会议主题：设计评审\n会议时间：2026/12/01 10:00-11:00\n会议号：838 722 1234", NUMBER),
        ("Meeting time: 2026-12-01 10:00\nMeeting number: 838 722 1234", NUMBER),
        ("Call 123456789 or meeting ID: 838 722 1234", NUMBER),
        ("no number here", ""),
        ("12345", ""),
    ],
)
def test_it_reads_the_number_out_of_what_people_paste(typed, digits):
    assert services.meeting_number_digits(typed) == digits


@pytest.mark.parametrize(
    "digits, shown", [(NUMBER, "838 722 1234"), ("123456789", "123 456 789"), ("12345678", "123 456 78")]
)
def test_it_groups_a_number_as_dingtalk_shows_it(digits, shown):
    assert texts.group_digits(digits) == shown
