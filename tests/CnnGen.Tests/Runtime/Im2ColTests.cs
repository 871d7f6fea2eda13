using System;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// im2col against its definition, col[(c·FH + ky)·FW + kx][y·OW + ox] = input[c, (first + y)·SH + ky − PH, ox·SW + kx − PW]
/// (zero in the padding), over random shapes wide enough for the stride-2 rows' vector path (one and two vectors of
/// outputs and the scalar rest, the last vector's source floats at the row's end) and strides 1–3. The same tests run
/// under DOTNET_EnableAVX512=0 and DOTNET_EnableHWIntrinsic=0 in CI.
/// </summary>
public sealed class Im2ColTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Matches_the_definition_over_random_shapes(int stride)
    {
        var random = new Random(300 + stride);
        for (int n = 0; n < 200; n++)
        {
            int fh = random.Next(1, 8), fw = random.Next(1, 8), ph = random.Next(0, Math.Min(fh, 4)), pw = random.Next(0, Math.Min(fw, 4));
            int c = random.Next(1, 4), h = random.Next(fh, 20), w = random.Next(Math.Max(fw, 2), 90);
            int sh = 1 + random.Next(2);
            int oh = ((h + (2 * ph) - fh) / sh) + 1, ow = ((w + (2 * pw) - fw) / stride) + 1;
            int first = random.Next(oh), rows = 1 + random.Next(oh - first);
            float[] input = new float[c * h * w];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = i + 1;
            }

            int cols = rows * ow;
            float[] col = new float[c * fh * fw * cols];
            col.AsSpan().Fill(float.NaN);
            Kernels.Im2Col(input, c, h, w, fh, fw, sh, stride, ph, pw, ow, first, rows, col);
            for (int ch = 0; ch < c; ch++)
            {
                for (int ky = 0; ky < fh; ky++)
                {
                    for (int kx = 0; kx < fw; kx++)
                    {
                        int r = (((ch * fh) + ky) * fw) + kx;
                        for (int y = 0; y < rows; y++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int iy = ((first + y) * sh) + ky - ph, ix = (ox * stride) + kx - pw;
                                float expected = iy >= 0 && iy < h && ix >= 0 && ix < w ? input[(((ch * h) + iy) * w) + ix] : 0f;
                                float actual = col[(r * cols) + (y * ow) + ox];
                                if (actual != expected && !(float.IsNaN(actual) && float.IsNaN(expected)))
                                {
                                    Assert.Fail($"C={c} {h}×{w} kernel {fh}×{fw} stride {sh}×{stride} pad {ph}×{pw} rows {first}+{rows}: col[{r}][{y},{ox}] = {actual}, expected {expected}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
