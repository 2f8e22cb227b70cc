"""Issue 12 part 3: a wrong type is reported (doctor) and raised on first use, never swallowed."""

from __future__ import annotations

from typing import Any

import pytest

from openclaw_deepinfra.config_blocks import RULES, Problem, problems, require, unknown_keys
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError
from openclaw_deepinfra.host.selection import select_embedding
from openclaw_deepinfra.surfaces.speech.config import block_from_config, max_text_length, provider_block

BAD = {
    "tts": {"maxTextLength": "4k", "providers": {"deepinfra": {"speed": "fast", "typo": 1}}},
    "memory": {"search": {"provider": 7, "model": ["BAAI/bge-m3"]}},
    "models": {"providers": {"deepinfra": {"apiKey": 12345, "maxRetries": -1, "unknownThing": True}}},
}


def test_problems_lists_every_unusable_key_with_its_type_and_expectation() -> None:
    found = problems(OpenClawConfig(BAD, env={}))
    assert [str(p) for p in found] == [
        "models.providers.deepinfra.apiKey is a number; "
        "expected a string or a SecretRef {source, provider, id}",
        "models.providers.deepinfra.maxRetries is a number; expected a whole number from 0 to 10",
        "tts.maxTextLength is a string; expected a positive whole number of characters",
        "tts.providers.deepinfra.speed is a string; expected a number from 0.25 to 4",
        "memory.search.provider is a number; expected a provider id string",
        "memory.search.model is a list; expected a model id string",
    ]
    assert "12345" not in " ".join(map(str, found))  # the type, never the value (it may be a key)


def test_a_block_that_is_not_an_object_is_a_problem() -> None:
    config = OpenClawConfig(
        {"tts": {"providers": "deepinfra"}, "plugins": {"entries": {"deepinfra": []}}}, env={}
    )
    assert problems(config) == [
        Problem("plugins.entries.deepinfra", "a list", "an object"),
        Problem("tts.providers", "a string", "an object of provider id to settings"),
    ]


def test_older_spellings_are_checked_too() -> None:
    config = OpenClawConfig({"messages": {"tts": {"maxTextLength": -3}}}, env={})
    assert [p.key for p in problems(config)] == ["tts.maxTextLength"]


def test_unknown_keys_in_the_plugins_own_blocks_are_listed() -> None:
    assert unknown_keys(OpenClawConfig(BAD, env={})) == [
        "models.providers.deepinfra.unknownThing",
        "tts.providers.deepinfra.typo",
    ]
    good = {"models": {"providers": {"deepinfra": {"api": "openai-completions", "models": []}}}}
    assert unknown_keys(OpenClawConfig(good, env={})) == []


def test_a_good_config_has_no_problems() -> None:
    good = {
        "tts": {"provider": "deepinfra", "maxTextLength": 500, "providers": {"deepinfra": {"speed": 1.5}}},
        "memory": {"search": {"provider": "deepinfra", "model": "BAAI/bge-m3", "outputDimensionality": 256}},
        "models": {
            "providers": {"deepinfra": {"apiKey": {"source": "env", "provider": "default", "id": "K"}}}
        },
    }
    assert problems(OpenClawConfig(good, env={})) == []
    assert require(None, "tts.maxTextLength") is None


def test_an_unset_variable_is_reported_not_raised() -> None:
    config = OpenClawConfig({"tts": {"provider": "${NOT_SET_ANYWHERE}"}}, env={})
    (problem,) = [p for p in problems(config) if p.key == "tts.provider"]
    assert problem.found == "unreadable" and "NOT_SET_ANYWHERE" in problem.expects
    with pytest.raises(ConfigurationError, match="NOT_SET_ANYWHERE"):
        require(config, "tts.provider")


# -- first use raises, naming the key -------------------------------------------------------------


def test_max_text_length_raises_on_first_use() -> None:
    with pytest.raises(ConfigurationError, match=r"tts\.maxTextLength is a string") as info:
        max_text_length(OpenClawConfig(BAD, env={}))
    assert "doctor" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("tts", "key"),
    [
        ({"providers": "deepinfra"}, "tts.providers is a string"),
        ({"providers": {"deepinfra": ["x"]}}, "tts.providers.deepinfra is a list"),
    ],
)
def test_a_tts_block_of_the_wrong_type_raises(tts: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigurationError, match=key):
        block_from_config(OpenClawConfig({"tts": tts}, env={}))
    with pytest.raises(ConfigurationError, match=key):
        provider_block(tts)


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ({"provider": 7}, "memory.search.provider is a number; expected a provider id string"),
        (
            {"provider": "deepinfra", "model": {"id": "x"}},
            "memory.search.model is an object; expected a model id",
        ),
        ({"provider": "x", "fallback": False}, "memory.search.fallback is a boolean"),
    ],
)
def test_memory_search_keys_of_the_wrong_type_raise_instead_of_picking_a_default(
    search: dict[str, Any], message: str
) -> None:
    config = OpenClawConfig({"memory": {"search": search}}, env={})
    with pytest.raises(ConfigError, match=message):
        select_embedding(config, {"deepinfra": object(), "openai": object()})


def test_every_rule_key_is_unique_and_dotted() -> None:
    keys = [rule.key for rule in RULES]
    assert len(keys) == len(set(keys))
    assert all(k and not k.startswith(".") and ".." not in k for k in keys)
