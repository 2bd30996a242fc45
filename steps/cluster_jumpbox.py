"""Template builder for the jump box (step 8, when step 6 built an image): a scale set of two
instances from that image in the spoke's management subnet, with the cloud-init users, no
public IP and no password sign-in. SSH reaches it only from the hub's Bastion subnet (the
management subnet's NSG, made by the spoke step). The references' OmsAgentForLinux extension is
left out: it reached end of support on 31 August 2024 (walkthrough.md §8, Typical failures)."""

from __future__ import annotations

import base64
from typing import Any

COMPUTE_API = "2026-04-01"  # Microsoft.Compute/virtualMachineScaleSets, stable (ComputeRP.json)


def jumpbox_scale_set(name: str, region: str, subnet_id: str, image_id: str, cloud_init: str, admin: str,
                      admin_key: str, vm_size: str, instances: int) -> dict[str, Any]:
    return {
        "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": COMPUTE_API, "name": name,
        "location": region, "zones": ["1", "2", "3"], "sku": {"name": vm_size, "tier": "Standard",
                                                               "capacity": instances},
        "properties": {
            "orchestrationMode": "Uniform", "overprovision": False, "singlePlacementGroup": False,
            "upgradePolicy": {"mode": "Automatic"},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "aksjmp", "adminUsername": admin,
                              "customData": base64.b64encode(cloud_init.encode()).decode(),
                              "linuxConfiguration": {"disablePasswordAuthentication": True, "provisionVMAgent": True,
                                                     "ssh": {"publicKeys": [{
                                                         "path": f"/home/{admin}/.ssh/authorized_keys",
                                                         "keyData": admin_key}]}}},
                "storageProfile": {"imageReference": {"id": image_id},
                                   "osDisk": {"createOption": "FromImage", "caching": "ReadOnly",
                                              "diffDiskSettings": {"option": "Local", "placement": "ResourceDisk"},
                                              "managedDisk": {"storageAccountType": "Standard_LRS"}}},
                "networkProfile": {"networkInterfaceConfigurations": [{
                    "name": "nic-jumpbox", "properties": {"primary": True, "ipConfigurations": [{
                        "name": "default", "properties": {"primary": True, "subnet": {"id": subnet_id}}}]}}]},
            },
        },
    }
