# Create: the machine's own disk, a dynamic VHDX converted from the cached base image (a VHD or VHDX
# the driver prepared), then grown to the size asked. The base image is only read.
# Input:  {"source": "...\\cache\\images\\<sha256>.vhd", "path": "...\\machines\\dev1\\disk.vhdx", "sizeBytes": 20971520000}
# Output: {"path", "sizeBytes"}
. (Join-Path $PSScriptRoot '_common.ps1')

Invoke-MachineScript {
    param($Parameters)
    Import-Module Hyper-V
    $wanted = [UInt64]$Parameters.sizeBytes
    Hyper-V\Convert-VHD -Path $Parameters.source -DestinationPath $Parameters.path -VHDType Dynamic
    $vhd = Hyper-V\Get-VHD -Path $Parameters.path
    # Never shrink: a size below the image's own would cut its filesystem.
    if ($vhd.Size -lt $wanted) {
        Hyper-V\Resize-VHD -Path $Parameters.path -SizeBytes $wanted
        $vhd = Hyper-V\Get-VHD -Path $Parameters.path
    }
    return @{ path = $vhd.Path; sizeBytes = $vhd.Size }
}
