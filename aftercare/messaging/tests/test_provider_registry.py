"""The adapters register themselves and share the unsubscribe rule (§15.1)."""

import pytest

from aftercare.messaging.providers import ADAPTERS, OutboundMessage, ProviderError, adapter_for
from aftercare.messaging.providers.callbacks import callback_headers, is_unsubscribe, split_endpoint


def test_importing_the_providers_registers_every_adapter_with_its_channel_and_config_keys():
    assert {code: cls.channel for code, cls in ADAPTERS.items()}.items() >= {
        "aliyun_sms": "sms", "tencent_sms": "sms", "wechat_mp": "wechat",
    }.items()  # fmt: skip
    for code in ("aliyun_sms", "tencent_sms", "wechat_mp"):
        assert set(ADAPTERS[code].secret_keys) <= set(ADAPTERS[code].config_keys)


def test_an_unknown_provider_code_is_an_error():
    with pytest.raises(ProviderError):
        adapter_for("pigeon", {})


@pytest.mark.parametrize("text", ["TD", "td", " T ", "退订", "退订。", "TD!"])
def test_unsubscribe_words_withdraw(text):
    assert is_unsubscribe(text)


@pytest.mark.parametrize("text", ["", "TDD", "不要退订", "好的", "OK"])
def test_other_replies_do_not_withdraw(text):
    assert not is_unsubscribe(text)


def test_the_callback_headers_carry_the_real_query_not_one_sent_by_the_caller():
    headers = callback_headers({"X-Aftercare-Query": "token=forged", "Host": "a"}, "token=real")

    assert headers == {"Host": "a", "X-Aftercare-Query": "token=real"}


def test_an_endpoint_url_gives_the_scheme_and_a_bare_host_keeps_https():
    assert split_endpoint("http://127.0.0.1:8080/") == ("http", "127.0.0.1:8080")
    assert split_endpoint("dysmsapi.aliyuncs.com") == ("https", "dysmsapi.aliyuncs.com")


@pytest.mark.parametrize("code", ["aliyun_sms", "tencent_sms", "wechat_mp"])
def test_an_account_without_its_credentials_fails_for_good_without_calling_out(code):
    result = adapter_for(code, {"endpoint": "http://127.0.0.1:9", "api_base": "http://127.0.0.1:9"}).send(
        OutboundMessage(to="13800000000", text="x", template_code="T1")
    )

    assert not result.ok and not result.retryable and result.error.startswith("missing config: ")
