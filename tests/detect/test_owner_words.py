"""A personal mailbox's owner speaking of themselves: words that settle a beep-less greeting
as personal before its last phrase is read."""

from __future__ import annotations

import pytest

from afterbeep.detect._mailbox import MailboxState, classify_mailbox, owner_speaks


@pytest.mark.parametrize(
    "text",
    [
        "Hi, you've reached Ethan Clark. I'm not available right now.",
        "Hey, it's Megan. Can't get to the phone right now.",
        "Hi, this is Nina. I'm out of the office until Wednesday",
        "Leave a message and I'll call you back.",
        "Hello, you've reached Grace Allen. I'm sorry I missed your call.",
        "Hi! You have reached Rosa and Emily. We're not home right now.",
        "Hi, you've reached Kim Walker. I'm on the other line.",
    ],
)
def test_the_owners_own_words_are_heard(text):
    assert owner_speaks(text)
    assert classify_mailbox(text) is MailboxState.PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "The mailbox is full and cannot accept any messages at this time. Goodbye.",
        "The person you are trying to reach has a voice mailbox that has not been set up yet.",
        "You've reached Granite Financial. Our specialists are away from their desks right "
        "now. Leave a message with your name and number, and one of us will get back to you.",
        "The person you are calling, 2 0 6 5 5 5 0 1 4 8, is not available. At the tone, "
        "please record your message.",
        "Thank you for calling Acme. For sales, press one. For the operator, press zero.",
        "Hello?",
    ],
)
def test_no_drop_carrier_and_company_greetings_are_not_an_owners(text):
    assert not owner_speaks(text)
