"""Schemas of the Opener tag: OpenerIntercomBrand, OpenerIntercomModel."""

from __future__ import annotations

from nukiweb.api.models.common import ApiDateTime, ResponseModel
from nukiweb.domain.intercoms import IntercomBrand, IntercomModel


class OpenerIntercomBrand(ResponseModel):
    brandId: int
    brand: str

    @classmethod
    def of(cls, brand: IntercomBrand) -> OpenerIntercomBrand:
        return cls(brandId=brand.brand_id, brand=brand.brand)


class OpenerIntercomModel(ResponseModel):
    intercomId: int
    brandId: int
    type: int
    model: str
    verified: int
    conGndBus: str
    conBusAudio: str
    conAudioout: str
    conDoorbellPlus: str
    conDoorbellMinus: str
    conOpendoor: str
    conGndAnalogue: str
    busModeSwitch: int
    busModeSwitchShortCircuitDuration: int
    creationDate: ApiDateTime | None = None
    updateDate: ApiDateTime | None = None

    @classmethod
    def of(cls, model: IntercomModel) -> OpenerIntercomModel:
        return cls(
            intercomId=model.intercom_id,
            brandId=model.brand_id,
            type=model.type,
            model=model.model,
            verified=model.verified,
            conGndBus=model.con_gnd_bus,
            conBusAudio=model.con_bus_audio,
            conAudioout=model.con_audioout,
            conDoorbellPlus=model.con_doorbell_plus,
            conDoorbellMinus=model.con_doorbell_minus,
            conOpendoor=model.con_opendoor,
            conGndAnalogue=model.con_gnd_analogue,
            busModeSwitch=model.bus_mode_switch,
            busModeSwitchShortCircuitDuration=model.bus_mode_switch_short_circuit_duration,
            creationDate=model.creation_date,
            updateDate=model.update_date,
        )
