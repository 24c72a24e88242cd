# Lifecycle: shuts the guest down through the shutdown integration service; if it has not finished
# after timeoutSeconds (or the guest cannot be asked), turns the VM off.
# Input:  {"id", "name", "marker", "timeoutSeconds"}
# Output: {"state", "forced", "reason"}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $vm = Find-MachineVm -Parameters $Parameters
    Assert-MachineVm -Vm $vm -Parameters $Parameters
    if ($vm.State -eq 'Off') {
        return @{ state = 'Off'; forced = $false; reason = $null }
    }
    $forced = $false
    $reason = $null
    $job = Hyper-V\Stop-VM -VM $vm -Force -AsJob
    if (Wait-Job -Job $job -Timeout ([Int32]$Parameters.timeoutSeconds)) {
        try {
            Receive-Job -Job $job -ErrorAction Stop | Out-Null
        } catch {
            $forced = $true
            $reason = $_.Exception.Message
        }
    } else {
        Stop-Job -Job $job
        $forced = $true
        $reason = "the guest did not shut down within $($Parameters.timeoutSeconds) seconds"
    }
    Remove-Job -Job $job -Force
    if ($forced) {
        Hyper-V\Stop-VM -VM $vm -TurnOff -Force
    }
    return @{ state = (Hyper-V\Get-VM -Id $vm.Id).State.ToString(); forced = $forced; reason = $reason }
}
