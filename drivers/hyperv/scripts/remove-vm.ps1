# Remove: turns the machine's VM off and deletes it from Hyper-V. Its disk and seed are files the
# driver deletes itself; Remove-VM leaves them. A VM already gone is success.
# Input:  {"id", "name", "marker"}
# Output: {"removed": true|false}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $vm = Find-MachineVm -Parameters $Parameters
    if (-not $vm) {
        return @{ removed = $false }
    }
    if ($vm.State -ne 'Off') {
        Hyper-V\Stop-VM -VM $vm -TurnOff -Force
    }
    Hyper-V\Remove-VM -VM $vm -Force
    return @{ removed = $true }
}
