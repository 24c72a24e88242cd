# Create: a Generation 2 VM on the machine's disk, with the cloud-init seed as a DVD. It is left off.
# Input:  {"name", "marker", "path", "memoryMb", "cpuCount", "dynamicMemory", "diskPath", "seedPath",
#          "switchName", "macAddress" (12 hex digits or null), "vlanId" (or null), "secureBoot",
#          "secureBootTemplate"}
# Output: {"id", "name"}
# If any step after New-VM fails, the VM made here is removed again before the error is answered.
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $memory = [Int64]$Parameters.memoryMb * 1048576 # bytes in a MiB
    $vm = Hyper-V\New-VM -Name $Parameters.name -Generation 2 -MemoryStartupBytes $memory -VHDPath $Parameters.diskPath -SwitchName $Parameters.switchName -Path $Parameters.path
    try {
        # The note lets later scripts recognise this VM as the machine's before its id is recorded.
        Hyper-V\Set-VM -VM $vm -Notes $Parameters.marker -ProcessorCount ([Int64]$Parameters.cpuCount)
        if ((Get-Command Hyper-V\Set-VM).Parameters.ContainsKey('AutomaticCheckpointsEnabled')) {
            # A checkpoint made behind our back would leave .avhdx files that rm does not know of.
            Hyper-V\Set-VM -VM $vm -AutomaticCheckpointsEnabled $false
        }
        if ($Parameters.dynamicMemory) {
            $minimum = [Math]::Min($memory, 536870912) # 512 MiB
            Hyper-V\Set-VMMemory -VM $vm -DynamicMemoryEnabled $true -MinimumBytes $minimum -StartupBytes $memory -MaximumBytes $memory
        } else {
            Hyper-V\Set-VMMemory -VM $vm -DynamicMemoryEnabled $false
        }
        if ($Parameters.secureBoot) {
            Hyper-V\Set-VMFirmware -VM $vm -EnableSecureBoot On -SecureBootTemplate $Parameters.secureBootTemplate
        } else {
            Hyper-V\Set-VMFirmware -VM $vm -EnableSecureBoot Off
        }
        Hyper-V\Add-VMDvdDrive -VM $vm -Path $Parameters.seedPath
        $disk = Hyper-V\Get-VMHardDiskDrive -VM $vm | Select-Object -First 1
        Hyper-V\Set-VMFirmware -VM $vm -FirstBootDevice $disk
        $adapter = Hyper-V\Get-VMNetworkAdapter -VM $vm | Select-Object -First 1
        if ($Parameters.macAddress) {
            Hyper-V\Set-VMNetworkAdapter -VMNetworkAdapter $adapter -StaticMacAddress $Parameters.macAddress
        }
        if ($null -ne $Parameters.vlanId) {
            Hyper-V\Set-VMNetworkAdapterVlan -VMNetworkAdapter $adapter -Access -VlanId ([Int64]$Parameters.vlanId)
        }
    } catch {
        $failure = $_
        Hyper-V\Remove-VM -VM $vm -Force -ErrorAction SilentlyContinue
        throw $failure
    }
    return @{ id = $vm.Id.ToString(); name = $vm.Name }
}
