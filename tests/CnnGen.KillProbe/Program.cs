using System;
using System.Collections.Generic;
using CnnGen.IO;

// Usage: CnnGen.KillProbe <target.safetensors> <first generation>
// Saves generation g, g+1, … to the target for ever: one 4 Mi-float tensor whose every value is g, and the metadata
// "generation" = g, so a reader can tell a complete file of one generation from a mixture.
string target = args[0];
int generation = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var data = new float[4 << 20];
while (true)
{
    Array.Fill(data, generation);
    SafeTensorsFile.Write(target, [("values", [data.Length], data)],
        new Dictionary<string, string> { ["generation"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    generation++;
}
