"""Groups of settings declared apart so that :mod:`pagewise.settings` stays readable.

They are mixed into :class:`pagewise.settings.Settings`, so their names stay flat
(``PAGEWISE_LDAP_URL``, ``vllm_port = …`` in pagewise.toml); nothing builds them alone.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class VllmSettings(BaseModel):
    """Serving the LLM on a GPU with vLLM (`pagewise serve-llm`)."""

    vllm_model: str | None = Field(
        default=None,
        description="Local model directory (Hugging Face layout) that vLLM serves; unset: the"
        " packaged model, converted once into data_dir/models. Nothing is downloaded.",
    )
    vllm_host: str = Field(
        default="127.0.0.1", description="Address vLLM listens on; 0.0.0.0 exposes it to the LAN."
    )
    vllm_port: int = Field(default=8000, ge=1, le=65535)
    vllm_max_model_len: int = Field(
        default=8192, ge=1024, description="Longest prompt + answer, in tokens."
    )
    vllm_max_num_seqs: int = Field(
        default=128, ge=1, description="Requests decoded together (the batch)."
    )
    vllm_gpu_memory_utilization: float = Field(
        default=0.90, gt=0.0, le=1.0, description="Share of each GPU's memory vLLM may take."
    )
    vllm_tensor_parallel_size: int = Field(
        default=1, ge=1, description="GPUs one model is split over."
    )
    vllm_prefix_caching: bool = Field(
        default=True, description="Reuse the KV cache of the system prompt every request shares."
    )
    vllm_lora_modules: dict[str, Path] = Field(
        default_factory=dict,
        description="LoRA adapters served beside the base model, group = directory: members of"
        " that directory group are answered through it (llm_backend vllm).",
    )
    vllm_extra_args: list[str] = Field(
        default_factory=list, description="More `vllm serve` arguments, passed as they are."
    )
    vllm_executable: str | None = Field(
        default=None, description="The `vllm` command; unset: `vllm` on PATH or python -m vllm."
    )
    vllm_startup_timeout: float = Field(
        default=900.0, gt=0, description="Seconds to wait for vLLM to load and answer /health."
    )


class LdapSettings(BaseModel):
    """Login through the company directory (LDAP)."""

    ldap_url: str = Field(
        default="ldap://127.0.0.1:3389",
        description="Directory server, ldap://HOST:PORT or ldaps://HOST:PORT.",
    )
    ldap_start_tls: bool = Field(
        default=False, description="Upgrade an ldap:// connection with StartTLS before binding."
    )
    ldap_ca_file: Path | None = Field(
        default=None, description="CA certificates (PEM) for ldaps/StartTLS; unset: the system's."
    )
    ldap_allow_plaintext: bool = Field(
        default=False,
        description="Allow ldap:// without StartTLS to a host other than this one: passwords"
        " cross the network in clear text (a warning is logged at every start).",
    )
    ldap_base_dn: str = Field(
        default="dc=pagewise,dc=test", description="Users are searched below this DN."
    )
    ldap_user_filter: str = Field(
        default="(uid={username})",
        description="Finds the user; {username} is replaced by the escaped login name.",
    )
    ldap_group_base_dn: str | None = Field(
        default="ou=groups,dc=pagewise,dc=test",
        description="Groups are searched below this DN; unset: ldap_base_dn.",
    )
    ldap_group_filter: str = Field(
        default="(member={dn})",
        description="Finds the user's groups; {dn} and {username} are replaced, escaped."
        " groupOfNames: (member={dn}); posixGroup: (memberUid={username}).",
    )
    ldap_group_attribute: str = Field(
        default="cn", description="Attribute of a group entry that holds the group's name."
    )
    ldap_username_attribute: str = Field(
        default="uid",
        description="Attribute of the user's entry whose value is their user name after login"
        " (Active Directory: sAMAccountName): one name per person, however it was typed.",
    )
    ldap_bind_dn: str | None = Field(
        default=None, description="Service account for the searches; unset: anonymous search."
    )
    ldap_bind_password: SecretStr | None = None
    ldap_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to connect to and wait for the directory."
    )
    admin_group: str = Field(
        default="pagewise-admins", description="Members of this directory group are admins."
    )
