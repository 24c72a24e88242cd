# Shared by every script of the Hyper-V driver (dot-sourced; it only defines functions).
#
# The wire: the parameters arrive as one JSON document on standard input, the answer leaves as one
# JSON document on standard output. Any error becomes {"error": {message, category, errorId,
# exceptionType}} and exit code 1, so the caller sees the cmdlet's own message and category. No value
# from the caller is ever part of the script text: it is data, read with ConvertFrom-Json.
#
# To run a script by hand (elevated):
#   '{"vmName":"dev1"}' | powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\host-facts.ps1

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Read-MachineParameters {
    [Console]::InputEncoding = New-Object System.Text.UTF8Encoding $false
    $text = [Console]::In.ReadToEnd()
    if ([string]::IsNullOrWhiteSpace($text)) {
        return New-Object PSObject
    }
    return ConvertFrom-Json -InputObject $text
}

function Write-MachineAnswer {
    param([Parameter(Mandatory = $true)] $Answer)
    [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
    [Console]::Out.Write((ConvertTo-Json -InputObject $Answer -Depth 6 -Compress))
}

function Invoke-MachineScript {
    param([Parameter(Mandatory = $true)] [scriptblock] $Body)
    try {
        $parameters = Read-MachineParameters
        $answer = & $Body $parameters
        Write-MachineAnswer -Answer $answer
        exit 0
    } catch {
        $record = $_
        $answer = @{
            error = @{
                message       = $record.Exception.Message
                category      = $record.CategoryInfo.Category.ToString()
                errorId       = $record.FullyQualifiedErrorId
                exceptionType = $record.Exception.GetType().FullName
            }
        }
        Write-MachineAnswer -Answer $answer
        exit 1
    }
}

# The machine's VM: by its id once create has learned it; before that by its name and the note create
# wrote on it, so that a VM this tool did not make is never touched, whatever it is called.
function Find-MachineVm {
    param([Parameter(Mandatory = $true)] $Parameters)
    if ($Parameters.id) {
        try {
            return Hyper-V\Get-VM -Id $Parameters.id -ErrorAction Stop
        } catch {
            if ($_.CategoryInfo.Category -eq 'ObjectNotFound' -or $_.CategoryInfo.Category -eq 'InvalidArgument') {
                return $null
            }
            throw
        }
    }
    $named = @(Hyper-V\Get-VM -Name $Parameters.name -ErrorAction SilentlyContinue)
    return $named | Where-Object { $_.Notes -eq $Parameters.marker } | Select-Object -First 1
}

function Assert-MachineVm {
    param($Vm, [Parameter(Mandatory = $true)] $Parameters)
    if (-not $Vm) {
        Write-Error -Message "Hyper-V was unable to find a virtual machine for machine '$($Parameters.name)'." -Category ObjectNotFound -ErrorId 'MachineVmNotFound'
    }
}
