using System;

namespace CnnGen.SweepTests;

/// <summary>
/// Reverse-mode differentiation of scalar double-precision arithmetic, written for clarity: every value is a node
/// with up to three parents and the partial derivative with respect to each; <see cref="Backward"/> walks the nodes
/// in reverse and applies the chain rule. The reference's gradients are therefore the exact derivatives of its own
/// plain loops (no hand-written backward pass that could share a mistake with the code under test).
/// </summary>
public sealed class Tape
{
    private double[] _value = new double[1 << 16];
    private int[] _p0 = new int[1 << 16], _p1 = new int[1 << 16], _p2 = new int[1 << 16];
    private double[] _d0 = new double[1 << 16], _d1 = new double[1 << 16], _d2 = new double[1 << 16];

    public int Count { get; private set; }

    public double Value(int node) => _value[node];

    /// <summary>A value with no parents: an input, a parameter or a constant.</summary>
    public int Leaf(double value) => Node(value, -1, 0, -1, 0, -1, 0);

    public int Node(double value, int a, double da, int b = -1, double db = 0, int c = -1, double dc = 0)
    {
        if (Count == _value.Length)
        {
            int n = _value.Length * 2;
            Array.Resize(ref _value, n);
            Array.Resize(ref _p0, n);
            Array.Resize(ref _p1, n);
            Array.Resize(ref _p2, n);
            Array.Resize(ref _d0, n);
            Array.Resize(ref _d1, n);
            Array.Resize(ref _d2, n);
        }

        int i = Count++;
        _value[i] = value;
        _p0[i] = a;
        _d0[i] = da;
        _p1[i] = b;
        _d1[i] = db;
        _p2[i] = c;
        _d2[i] = dc;
        return i;
    }

    public int Add(int a, int b) => Node(_value[a] + _value[b], a, 1, b, 1);

    public int Sub(int a, int b) => Node(_value[a] - _value[b], a, 1, b, -1);

    public int Mul(int a, int b) => Node(_value[a] * _value[b], a, _value[b], b, _value[a]);

    public int Scale(int a, double s) => Node(_value[a] * s, a, s);

    public int AddConstant(int a, double s) => Node(_value[a] + s, a, 1);

    /// <summary>acc + w·x in one node.</summary>
    public int MulAdd(int acc, int w, int x) => Node(_value[acc] + (_value[w] * _value[x]), acc, 1, w, _value[x], x, _value[w]);

    public int Div(int a, int b) => Node(_value[a] / _value[b], a, 1 / _value[b], b, -_value[a] / (_value[b] * _value[b]));

    public int Exp(int a)
    {
        double e = Math.Exp(_value[a]);
        return Node(e, a, e);
    }

    public int Log(int a) => Node(Math.Log(_value[a]), a, 1 / _value[a]);

    public int Sqrt(int a)
    {
        double r = Math.Sqrt(_value[a]);
        return Node(r, a, r == 0 ? 0 : 0.5 / r);
    }

    public int Square(int a) => Node(_value[a] * _value[a], a, 2 * _value[a]);

    /// <summary>The larger of two values; the derivative goes to <paramref name="a"/> on a tie (the first cell in scan order wins).</summary>
    public int Max(int a, int b) => _value[b] > _value[a] ? Node(_value[b], b, 1) : Node(_value[a], a, 1);

    public int Min(int a, int b) => _value[b] < _value[a] ? Node(_value[b], b, 1) : Node(_value[a], a, 1);

    public int ReLU(int a) => _value[a] > 0 ? Node(_value[a], a, 1) : Node(0, a, 0);

    public int LeakyReLU(int a, double slope) => _value[a] > 0 ? Node(_value[a], a, 1) : Node(_value[a] * slope, a, slope);

    public int ELU(int a, double alpha)
    {
        double x = _value[a];
        if (x > 0)
        {
            return Node(x, a, 1);
        }

        double e = Math.Exp(x);
        return Node(alpha * (e - 1), a, alpha * e);
    }

    public int Sigmoid(int a)
    {
        double y = 1 / (1 + Math.Exp(-_value[a]));
        return Node(y, a, y * (1 - y));
    }

    public int Tanh(int a)
    {
        double y = Math.Tanh(_value[a]);
        return Node(y, a, 1 - (y * y));
    }

    /// <summary>d(seed · outputs)/d(every node): the gradient of Σ seeds[i]·outputs[i] with respect to each node.</summary>
    public double[] Backward(int[] outputs, double[] seeds)
    {
        var grad = new double[Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            grad[outputs[i]] += seeds[i];
        }

        for (int i = Count - 1; i >= 0; i--)
        {
            double g = grad[i];
            if (g == 0)
            {
                continue;
            }

            if (_p0[i] >= 0)
            {
                grad[_p0[i]] += g * _d0[i];
            }

            if (_p1[i] >= 0)
            {
                grad[_p1[i]] += g * _d1[i];
            }

            if (_p2[i] >= 0)
            {
                grad[_p2[i]] += g * _d2[i];
            }
        }

        return grad;
    }
}
