"""A secure parameter's value never stays in a preview, even when what-if echoes it (ARM has,
for some types: Azure/arm-template-whatif#309)."""

from __future__ import annotations

from wizard.engine.contract import PlannedChange, PropertyDelta
from wizard.engine.secure_preview import MASK, mask


def test_a_value_equal_to_or_containing_a_secret_is_masked_and_nothing_else() -> None:
    change = PlannedChange("Create", "/x/secrets/pfx", "Microsoft.KeyVault/vaults/secrets", "pfx", deltas=(
        PropertyDelta("properties.value", "Create", None, "MIIsecretPFXbytes"),
        PropertyDelta("properties.env", "Create", None, [{"value": "prefix MIIsecretPFXbytes suffix"}]),
        PropertyDelta("properties.contentType", "Create", None, "application/x-pkcs12")))
    [out] = mask([change], ["MIIsecretPFXbytes", "ab"])
    assert [d.after for d in out.deltas] == [MASK, [{"value": MASK}], "application/x-pkcs12"]
    assert mask([change], []) == (change,)
