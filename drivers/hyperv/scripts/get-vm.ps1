# State: the VM's state and the addresses its guest reports (through the data exchange integration
# service, so only once the guest runs it). Changes nothing.
# Input:  {"id", "name", "marker"}
# Output: {"found": false} or {"found": true, "id", "name", "state", "status", "addresses": [...]}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $vm = Find-MachineVm -Parameters $Parameters
    if (-not $vm) {
        return @{ found = $false }
    }
    $addresses = @(Hyper-V\Get-VMNetworkAdapter -VM $vm | ForEach-Object { $_.IPAddresses } | Where-Object { $_ })
    return @{
        found     = $true
        id        = $vm.Id.ToString()
        name      = $vm.Name
        state     = $vm.State.ToString()
        status    = $vm.Status
        addresses = $addresses
    }
}
