using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace CnnGen.Generator.Model;

/// <summary>
/// A large immutable array compared by content whose hash is computed once, when it is made. For data of
/// millions of elements (compiled-in weights): <see cref="EquatableArray{T}"/> would hash every element again
/// each time the pipeline asks for a hash code. Two arrays with different hashes are unequal at once; equal
/// ones are still compared element by element, so a hash collision cannot make different data look equal.
/// </summary>
internal sealed class ContentArray<T> : IEquatable<ContentArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[] _items;
    private readonly int _hash;

    public ContentArray(IEnumerable<T> items)
    {
        _items = items.ToArray();
        unchecked
        {
            int hash = (int)2166136261;
            foreach (T item in _items)
            {
                hash = (hash ^ EqualityComparer<T>.Default.GetHashCode(item)) * 16777619;
            }

            _hash = hash;
        }
    }

    public static ContentArray<T> Empty { get; } = new(Array.Empty<T>());

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ContentArray<T>? other)
    {
        if (other is null || other._hash != _hash || other._items.Length != _items.Length)
        {
            return false;
        }

        if (ReferenceEquals(other, this))
        {
            return true;
        }

        for (int i = 0; i < _items.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(_items[i], other._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is ContentArray<T> other && Equals(other);

    public override int GetHashCode() => _hash;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
