#!/bin/sh
# Regenerates src/CnnGen.Onnx/Proto/OnnxSubset.cs from tools/onnx/onnx-subset.proto with protoc from the
# Google.Protobuf.Tools package (3.36.2, the version of the Google.Protobuf runtime CnnGen.Onnx references).
# Run from anywhere after `dotnet restore src/CnnGen.Onnx` (which brings Google.Protobuf.Tools into the NuGet cache as a
# private build-time reference); the generated classes are internal (`internal_access`).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
tools="$packages/google.protobuf.tools/3.36.2/tools"
case "$(uname -m)" in
  x86_64) platform=linux_x64 ;;
  aarch64|arm64) platform=linux_aarch64 ;;
  *) echo "regenerate-proto.sh: no protoc for $(uname -m) in $tools" >&2; exit 1 ;;
esac
[ "$(uname -s)" = Darwin ] && platform=macosx_x64
protoc="$tools/$platform/protoc"
if [ ! -x "$protoc" ]; then
  if [ -f "$protoc" ]; then chmod +x "$protoc"; else
    echo "regenerate-proto.sh: $protoc not found; restore Google.Protobuf.Tools 3.36.2 first" >&2; exit 1
  fi
fi
mkdir -p "$root/src/CnnGen.Onnx/Proto"
"$protoc" --proto_path="$root/tools/onnx" --csharp_out="$root/src/CnnGen.Onnx/Proto" \
  --csharp_opt=file_extension=.cs,internal_access onnx-subset.proto
echo "wrote src/CnnGen.Onnx/Proto/OnnxSubset.cs"
