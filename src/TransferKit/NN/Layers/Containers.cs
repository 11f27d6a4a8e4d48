using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// Applies its children in order (<c>nn.Sequential</c>); children are named "0", "1", ... as in
/// PyTorch, so keys look like <c>features.3.weight</c>. Intermediate outputs are disposed as soon
/// as the next layer has consumed them.
/// </summary>
public class Sequential : Module
{
    /// <summary>Creates the container from modules named by position.</summary>
    public Sequential(params Module[] modules)
    {
        for (int k = 0; k < modules.Length; k++) RegisterModule(k.ToString(System.Globalization.CultureInfo.InvariantCulture), modules[k]);
    }

    /// <summary>Creates the container from explicitly named modules.</summary>
    public Sequential(params (string Name, Module Module)[] modules)
    {
        foreach (var (name, module) in modules) RegisterModule(name, module);
    }

    /// <summary>Number of children.</summary>
    public int Count => NamedChildren().Count();

    /// <summary>The child at a position.</summary>
    public Module this[int index] => NamedChildren().ElementAt(index).Module;

    /// <summary>Appends a module named by its position.</summary>
    public Sequential Append(Module module)
    {
        RegisterModule(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        return this;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        Tensor current = input;
        foreach (var (_, module) in NamedChildren())
        {
            var next = module.Forward(current);
            if (!ReferenceEquals(current, input) && !ReferenceEquals(next, current)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, input) ? input.Alias() : current;
    }
}

/// <summary>
/// A list of modules registered under "0", "1", ... (<c>nn.ModuleList</c>); it has no
/// <see cref="Forward"/> of its own: the owner iterates it.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    /// <summary>Creates the list.</summary>
    public ModuleList(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module.</summary>
    public void Add(Module module) => RegisterModule(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

    /// <inheritdoc />
    public int Count => NamedChildren().Count();

    /// <inheritdoc />
    public Module this[int index] => NamedChildren().ElementAt(index).Module;

    /// <inheritdoc />
    public IEnumerator<Module> GetEnumerator() => NamedChildren().Select(c => c.Module).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Not supported: a module list has no forward pass of its own.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("ModuleList has no Forward: iterate its modules in the owner's Forward.");
}
