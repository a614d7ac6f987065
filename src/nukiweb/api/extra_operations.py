"""Operations of the vendor's service that its OpenAPI description leaves out."""

from nukiweb.api.operation import Operation

EXTRA_OPERATIONS: tuple[Operation, ...] = (
    # Doc §3.2 lists "PUT /smartlock Create a smartlock"; the Nuki apps use it to add a device
    # to Nuki Web (vendor-behaviour §1.8), nukiweb to add simulated devices.
    Operation(
        "SmartlocksResource_put_put",
        "PUT",
        "/smartlock",
        "Smartlock",
        "Create a smartlock",
        ("smartlock.create",),
    ),
)
