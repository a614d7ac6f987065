"""A device's page for a lock on the MQTT broker, whose configuration the MQTT API cannot
write: the page says so and keeps only Nuki Web's own settings; a config form posted anyway
is the service's 400, nothing changed."""

from __future__ import annotations

import html

from nukiweb.services.smartlocks import NOT_CONFIGURABLE
from tests.api.test_mqtt_locks import (  # noqa: F401 - fixtures: a server with a broker
    broker_url,
    claim,
    lock,
    mqtt_server,
    owner,
)
from tests.devices import device
from tests.mqtt import ScriptedLock
from tests.support import AccountFixture, RunningServer
from tests.web.support import WebClient
from tests.web.test_device_page import fact, forms_shown, page_of, save
from tests.web.test_device_pages import alert


def test_a_lock_on_the_mqtt_broker_cannot_be_configured(
    mqtt_server: RunningServer,  # noqa: F811
    owner: AccountFixture,  # noqa: F811
    lock: ScriptedLock,  # noqa: F811
) -> None:
    smartlock_id = claim(mqtt_server, owner, lock)
    before = device(owner.api, smartlock_id)["config"]

    with WebClient(mqtt_server) as web:
        web.sign_in(owner.email, owner.password)
        page = web.get(page_of(smartlock_id)).text
        response = save(web, smartlock_id, "config", {"ledBrightness": "1"})

    assert NOT_CONFIGURABLE in html.unescape(page)
    assert forms_shown(page) == {"web"}
    assert "none: the lock connects over MQTT" in fact(page, "bridge")
    assert response.status_code == 400
    assert NOT_CONFIGURABLE in alert(response.text)
    assert device(owner.api, smartlock_id)["config"] == before
