"""Small ARM templates the rehearsal tests deploy."""

from __future__ import annotations

from typing import Any


def pip_template() -> dict[str, Any]:
    """Copy loop, dependsOn on the loop, reference() output, a property-level copy array."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
            "count": {"type": "int", "defaultValue": 2},
            "tier": {"type": "string", "defaultValue": "Standard"},
        },
        "variables": {"prefix": "[concat('pip-', toLower('HUB'))]"},
        "resources": [
            {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
             "name": "[format('{0}-{1}', variables('prefix'), copyIndex())]",
             "location": "[parameters('location')]", "sku": {"name": "Standard", "tier": "Regional"},
             "zones": ["1", "2", "3"], "copy": {"name": "pips", "count": "[parameters('count')]"},
             "properties": {"publicIPAllocationMethod": "Static"}},
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet-hub",
             "location": "[parameters('location')]", "dependsOn": ["pips"],
             "properties": {"addressSpace": {"addressPrefixes": ["10.200.0.0/24"]},
                            "copy": [{"name": "subnets", "count": 2, "input": {
                                "name": "[if(equals(copyIndex('subnets'), 0), 'AzureFirewallSubnet', 'AzureBastionSubnet')]",
                                "properties": {"addressPrefix": "[format('10.200.0.{0}/26', mul(copyIndex('subnets'), 64))]"}}}]}},
            {"type": "Microsoft.Network/firewallPolicies", "apiVersion": "2024-05-01", "name": "fwp-hub",
             "location": "[parameters('location')]", "properties": {"sku": {"tier": "[parameters('tier')]"}}},
            {"type": "Microsoft.Network/azureFirewalls", "apiVersion": "2024-05-01", "name": "fw-hub",
             "location": "[parameters('location')]", "zones": ["1", "2", "3"],
             "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub')]",
                           "[resourceId('Microsoft.Network/firewallPolicies', 'fwp-hub')]"],
             "properties": {"sku": {"name": "AZFW_VNet", "tier": "[parameters('tier')]"},
                            "firewallPolicy": {"id": "[resourceId('Microsoft.Network/firewallPolicies', 'fwp-hub')]"},
                            "ipConfigurations": [{"name": "cfg0", "properties": {
                                "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'AzureFirewallSubnet')]"},
                                "publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', 'pip-hub-0')]"}}}]}},
        ],
        "outputs": {
            "firewallPrivateIp": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/azureFirewalls', 'fw-hub')).ipConfigurations[0].properties.privateIPAddress]"},
            "pipAddress": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip-hub-1'), '2024-05-01', 'Full').properties.ipAddress]"},
            "subnetCount": {"type": "int", "value": "[length(reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub')).subnets)]"},
        },
    }


def sub_scope_template() -> dict[str, Any]:
    """A subscription deployment: a resource group plus a nested inline deployment into it."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"rgName": {"type": "string"}, "zones": {"type": "array", "defaultValue": ["1", "2", "3"]}},
        "resources": [
            {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2024-03-01",
             "name": "[parameters('rgName')]", "location": "eastus2"},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2024-03-01", "name": "inner",
             "resourceGroup": "[parameters('rgName')]",
             "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('rgName'))]"],
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                            "parameters": {"zones": {"value": "[parameters('zones')]"}},
                            "template": {
                                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                                "contentVersion": "1.0.0.0",
                                "parameters": {"zones": {"type": "array"}},
                                "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
                                               "name": "pip-spoke", "location": "eastus2", "zones": "[parameters('zones')]",
                                               "sku": {"name": "Standard"}, "properties": {}}],
                                "outputs": {"ip": {"type": "string", "value":
                                    "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip-spoke')).ipAddress]"}}}}},
        ],
    }
