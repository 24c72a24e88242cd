# Pre-create: what this host offers. Changes nothing.
# Input:  {"vmName": "dev1"}
# Output: {"platform", "osVersion", "psVersion", "computerName", "hyperVModule", "isAdministrator",
#          "isHyperVAdministrator", "switches": [{"name", "type"}] or null, "vmNameTaken", "hyperVError"}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    $platform = [Environment]::OSVersion.Platform.ToString()
    $facts = @{
        platform              = $platform
        osVersion             = [Environment]::OSVersion.VersionString
        psVersion             = $PSVersionTable.PSVersion.ToString()
        computerName          = [Environment]::MachineName
        hyperVModule          = $false
        isAdministrator       = $false
        isHyperVAdministrator = $false
        switches              = $null
        vmNameTaken           = $false
        hyperVError           = $null
    }
    if ($platform -ne 'Win32NT') {
        return $facts
    }

    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal $identity
    $facts.isAdministrator = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    # Hyper-V Administrators, by its well-known SID (its name is translated on localised Windows).
    $hyperVAdministrators = New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-578'
    $facts.isHyperVAdministrator = $principal.IsInRole($hyperVAdministrators)

    $module = Get-Module -ListAvailable -Name Hyper-V | Select-Object -First 1
    $facts.hyperVModule = [bool]$module
    if (-not $module -or -not ($facts.isAdministrator -or $facts.isHyperVAdministrator)) {
        return $facts
    }
    try {
        Import-Module Hyper-V
        $facts.switches = @(Hyper-V\Get-VMSwitch | ForEach-Object { @{ name = $_.Name; type = $_.SwitchType.ToString() } })
        $facts.vmNameTaken = @(Hyper-V\Get-VM -Name $Parameters.vmName -ErrorAction SilentlyContinue).Count -gt 0
    } catch {
        $facts.hyperVError = @{ message = $_.Exception.Message; category = $_.CategoryInfo.Category.ToString() }
    }
    return $facts
}
