# Lifecycle: starts the machine's VM (returns once Hyper-V has started it, not once the guest booted).
# Input:  {"id", "name", "marker"}
# Output: {"state"}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $vm = Find-MachineVm -Parameters $Parameters
    Assert-MachineVm -Vm $vm -Parameters $Parameters
    if ($vm.State -ne 'Running') {
        Hyper-V\Start-VM -VM $vm
    }
    return @{ state = (Hyper-V\Get-VM -Id $vm.Id).State.ToString() }
}
