# Lifecycle (kill): turns the VM off at once, as pulling the power cord would.
# Input:  {"id", "name", "marker"}
# Output: {"state"}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $vm = Find-MachineVm -Parameters $Parameters
    Assert-MachineVm -Vm $vm -Parameters $Parameters
    if ($vm.State -ne 'Off') {
        Hyper-V\Stop-VM -VM $vm -TurnOff -Force
    }
    return @{ state = (Hyper-V\Get-VM -Id $vm.Id).State.ToString() }
}
