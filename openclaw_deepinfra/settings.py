"""Where the plugin's API key, base URL, retry count and timeout come from, validated once.

Key: config `models.providers.deepinfra.apiKey` (a SecretInput) -> auth profile
`deepinfra:default` -> `DEEPINFRA_API_KEY` -> `DEEPINFRA_API_TOKEN`; blank values are skipped.
Base URL: config `models.providers.deepinfra.baseUrl` -> `DEEPINFRA_BASE_URL` -> `DEEPINFRA_API_BASE`
-> `DEFAULT_BASE_URL`; https only, plain http only to a loopback host.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.config_blocks import NUMBER_KEYS, ProviderNumbers, parse
from openclaw_deepinfra.errors import ConfigurationError, MissingApiKeyError
from openclaw_deepinfra.fleet.config import FleetConfig, resolve_fleet_config
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.redact import get_logger, register_secret
from openclaw_deepinfra.urls import DEFAULT_BASE_URL, configured_base_url

if TYPE_CHECKING:
    from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
    from openclaw_deepinfra.host.config import OpenClawConfig
    from openclaw_deepinfra.transport.options import ConfiguredHeaders


logger = get_logger(__name__)

PROVIDER_ID = "deepinfra"
PROFILE_ID = "deepinfra:default"
API_KEY_ENV = "DEEPINFRA_API_KEY"
API_TOKEN_ENV = "DEEPINFRA_API_TOKEN"  # noqa: S105 - a variable name, not a secret
BASE_URL_ENV = "DEEPINFRA_BASE_URL"
API_BASE_ENV = "DEEPINFRA_API_BASE"

CONFIG_PREFIX: Final = ("models", "providers", PROVIDER_ID)
_HINT_KEY = (
    f"set {API_KEY_ENV} (or {API_TOKEN_ENV}), set models.providers.deepinfra.apiKey in the config, "
    "or run `openclaw-deepinfra onboard`"
)


class ApiKey:
    """A DeepInfra API key or scoped `jwt:` token. Only `reveal()` gives the value back."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        cleaned = value.strip()
        if not cleaned:
            raise ValueError("an API key cannot be blank")
        register_secret(cleaned)
        _check_key_characters(cleaned, source)
        self._value = cleaned
        self.source = source

    def reveal(self) -> str:
        return self._value

    @property
    def is_jwt(self) -> bool:
        return self._value.startswith("jwt:")

    def fingerprint(self) -> str:
        """A short one-way digest, for cache identities that must differ per key."""
        return hashlib.sha256(self._value.encode("utf-8")).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"ApiKey(source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    def __hash__(self) -> int:
        return hash(("ApiKey", self.fingerprint()))

    # Immutable, so copies may share it; pickling would write the value to disk or a socket.
    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ApiKey:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("ApiKey cannot be pickled")


def describe_key_source(source: str) -> str:
    """Where a key came from, as the user would look for it (`env:X` -> `X`)."""
    if source == "config":
        return "models.providers.deepinfra.apiKey"
    if source == "profile":
        return f"auth profile {PROFILE_ID}"
    return source.partition(":")[2] or source


def _check_key_characters(value: str, source: str) -> None:
    """A key goes into an HTTP header: a line break or a non-ASCII character there is a pasting
    mistake that httpx would only report as a header-injection ValueError. The message names the
    source and the character's position, never the key."""
    for index, char in enumerate(value):
        if char.isspace() or not char.isprintable():
            problem = "a line break" if char in "\r\n" else "whitespace or a control character"
        elif not char.isascii():
            problem = "a non-ASCII character"
        else:
            continue
        raise ConfigurationError(
            f"the DeepInfra API key from {describe_key_source(source)} contains {problem} "
            f"(character {index + 1})",
            hint="copy the key again from https://deepinfra.com/dash/api_keys without extra characters",
        )


@dataclass(frozen=True)
class Settings:
    api_key: ApiKey | None
    base_url: str = DEFAULT_BASE_URL
    base_url_source: str = "default"
    max_retries: int = 2
    timeout_s: float | None = None
    # In-flight requests per model per process (issue 7); DeepInfra's own limit is 200.
    max_concurrent_per_model: int = 200
    # `models.providers.deepinfra.headers` + `.request.headers`, for the base URL's origin only.
    headers: ConfiguredHeaders | None = None
    # The connection pool's cap (issue 16; `maxConnections`); None: transport.pool.pool_cap().
    max_connections: int | None = None
    # Fleet mode (issue 15): the per-model limit shared through Redis; None = off.
    fleet: FleetConfig | None = None

    def require_key(self) -> ApiKey:
        if self.api_key is None:
            raise MissingApiKeyError("DeepInfra API key missing", hint=_HINT_KEY)
        return self.api_key


def provider_value(config: OpenClawConfig, *keys: str, raw: bool = False) -> Any:
    """`models.providers.deepinfra.<keys>`; an unreadable value (an unset `${VAR}`) is a
    ConfigurationError naming it."""
    try:
        return config.get([*CONFIG_PREFIX, *keys], raw=raw)
    except HostError as exc:
        raise ConfigurationError(str(exc)) from None


def resolve_config_secret(
    config: OpenClawConfig, value: Any, where: str, *, env: Mapping[str, str] | None = None
) -> str | None:
    """A SecretInput from the config resolved now (just before use), or a ConfigurationError naming
    `where`; never the secret itself in the message."""
    from openclaw_deepinfra.host.secrets import resolve_secret_input

    try:
        return resolve_secret_input(
            value,
            env=config.env if env is None else env,
            config=config.data,
            base_dir=config.path.expanduser().parent if config.path is not None else None,
            where=where,
        )
    except HostError as exc:
        raise ConfigurationError(
            f"{where} could not be resolved: {exc}", hint="fix the SecretRef or the variable it names"
        ) from None


# Settings are resolved by several surfaces and by doctor in one process: each warning once.
_warned: set[str] = set()


def _unset_env_reference(value: Any, env: Mapping[str, str]) -> str | None:
    """The variable a `"${VAR}"` string names when it is not set, else None. An explicit SecretRef
    object stays strict: whoever wrote one asked for exactly that source."""
    from openclaw_deepinfra.host.secrets import UnsetEnvVarError, substitute_env_vars

    if not isinstance(value, str):
        return None
    try:
        substitute_env_vars(value, env)
    except UnsetEnvVarError as exc:
        return exc.name
    return None


def _resolve_key(
    config: OpenClawConfig, auth_store: AuthProfileStore | None, env: Mapping[str, str]
) -> ApiKey | None:
    configured = provider_value(config, "apiKey", raw=True)
    unset = _unset_env_reference(configured, env)
    if unset is not None:
        # The README's own config (`apiKey: "${DEEPINFRA_API_KEY}"`) must keep working when the
        # variable is not exported but a key was onboarded: fall through, and say so once.
        if (token := f"unset:{config.path}:{unset}") not in _warned:
            _warned.add(token)
            logger.warning(
                "models.providers.deepinfra.apiKey refers to ${%s}, which is not set; using the next key "
                "source (auth profile, then DEEPINFRA_API_KEY / DEEPINFRA_API_TOKEN)",
                unset,
            )
    elif configured is not None:
        value = resolve_config_secret(config, configured, "models.providers.deepinfra.apiKey", env=env)
        if value is not None and value.strip():
            return ApiKey(value, "config")
    store = auth_store
    if store is None and config.path is not None:
        from openclaw_deepinfra.host.auth_profiles import AuthProfileStore

        store = AuthProfileStore.for_agent(config_path=config.path, env=config.env)
    if store is not None:
        try:
            value = store.get_api_key(PROFILE_ID)
        except (HostError, OSError) as exc:
            raise ConfigurationError(
                f"auth profile {PROFILE_ID} could not be read: {exc}",
                hint="fix or delete the auth profiles file and re-run `openclaw-deepinfra onboard`",
            ) from None
        if value is not None and value.strip():
            return ApiKey(value, "profile")
    for name in (API_KEY_ENV, API_TOKEN_ENV):
        value = env.get(name)
        if value is not None and value.strip():
            return ApiKey(value, f"env:{name}")
    return None


def _resolve_base_url(config: OpenClawConfig, env: Mapping[str, str]) -> tuple[str, str]:
    sources = [(provider_value(config, "baseUrl"), "config", "models.providers.deepinfra.baseUrl")]
    sources += [(env.get(name), f"env:{name}", name) for name in (BASE_URL_ENV, API_BASE_ENV)]
    for value, source, where in sources:
        url = configured_base_url(value, where)
        if url is not None:
            return url, source
    return DEFAULT_BASE_URL, "default"


def resolve_settings(
    config: OpenClawConfig,
    *,
    auth_store: AuthProfileStore | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from the config, the auth profile store and the environment (`config.env` by default).

    Without `auth_store`, the store beside the config file is read when the config has a path.
    """
    environment = config.env if env is None else env
    base_url, base_url_source = _resolve_base_url(config, environment)
    from openclaw_deepinfra.configured_headers import resolve_configured_headers

    numbers = parse(
        ProviderNumbers,
        {key: provider_value(config, key) for key in NUMBER_KEYS},
        "models.providers.deepinfra",
    )
    return Settings(
        api_key=_resolve_key(config, auth_store, environment),
        base_url=base_url,
        base_url_source=base_url_source,
        headers=resolve_configured_headers(config, base_url, env=environment),
        fleet=resolve_fleet_config(config, environment),
        **numbers.model_dump(),  # max_retries, timeout_s, max_concurrent_per_model, max_connections
    )
