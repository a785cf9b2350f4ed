"""Which address the portal takes for the browser, behind reverse proxies or not."""

from ui.portal.frame import client_address

NGINX = ["127.0.0.1"]


def test_a_direct_connection_is_its_own_address_and_its_header_is_ignored() -> None:
    assert client_address("10.0.0.5", ["203.0.113.1"], NGINX) == "10.0.0.5"


def test_a_loopback_connection_without_trusted_proxies_has_no_address() -> None:
    assert client_address(None, ["203.0.113.1"], []) is None


def test_a_trusted_proxy_names_the_browser_it_saw() -> None:
    assert client_address(None, ["10.7.7.7"], NGINX) == "10.7.7.7"


def test_an_address_forged_by_the_browser_before_the_proxys_is_not_believed() -> None:
    assert client_address(None, ["1.2.3.4, 10.7.7.7"], NGINX) == "10.7.7.7"


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_browser() -> None:
    proxies = ["127.0.0.1", "10.0.0.2"]
    assert client_address(None, ["1.2.3.4", "10.7.7.7, 10.0.0.2"], proxies) == "10.7.7.7"


def test_a_trusted_proxy_without_the_header_leaves_the_peer() -> None:
    assert client_address("10.0.0.2", [], ["10.0.0.2"]) == "10.0.0.2"
