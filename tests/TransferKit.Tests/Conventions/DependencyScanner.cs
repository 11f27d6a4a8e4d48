using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace TransferKit.Tests.Conventions;

/// <summary>
/// The types each type of a compiled assembly really uses, read from its metadata (not from
/// <c>using</c> lines): base type and interfaces, generic constraints, fields, method, property and
/// event signatures, custom attributes, local variables, and every type, method and field token in
/// method bodies (IL operands decoded). Nested and compiler-generated types (lambdas' closures,
/// iterators, async state machines) count for their outermost declaring type.
/// </summary>
internal static class DependencyScanner
{
    /// <summary>(user, used) pairs of full type names (outermost declaring types), the user being in <paramref name="namespacePrefix"/>.</summary>
    public static IReadOnlySet<(string User, string Used)> Scan(string assemblyPath, string namespacePrefix)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new Names(md);
        var pairs = new HashSet<(string, string)>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            string user = names.Outermost(typeHandle);
            if (!user.StartsWith(namespacePrefix + ".", StringComparison.Ordinal)) continue;
            var used = new HashSet<string>();
            var provider = new Provider(names, used);
            var type = md.GetTypeDefinition(typeHandle);

            names.AddEntity(type.BaseType, used, provider);
            foreach (var i in type.GetInterfaceImplementations()) names.AddEntity(md.GetInterfaceImplementation(i).Interface, used, provider);
            foreach (var g in type.GetGenericParameters()) AddConstraints(md, g, names, used, provider);
            AddAttributes(md, type.GetCustomAttributes(), names, used, provider);
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                field.DecodeSignature(provider, null);
                AddAttributes(md, field.GetCustomAttributes(), names, used, provider);
            }
            foreach (var p in type.GetProperties()) md.GetPropertyDefinition(p).DecodeSignature(provider, null);
            foreach (var e in type.GetEvents()) names.AddEntity(md.GetEventDefinition(e).Type, used, provider);
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                method.DecodeSignature(provider, null);
                AddAttributes(md, method.GetCustomAttributes(), names, used, provider);
                foreach (var g in method.GetGenericParameters()) AddConstraints(md, g, names, used, provider);
                if (method.RelativeVirtualAddress != 0) AddBody(md, pe.GetMethodBody(method.RelativeVirtualAddress), names, used, provider);
            }
            foreach (string u in used)
                if (u != user) pairs.Add((user, u));
        }
        return pairs;
    }

    /// <summary>
    /// The members ("Namespace.Type::Member") each type in <paramref name="namespacePrefix"/> uses in its
    /// method bodies, keyed by the type's full name (compiler-generated nested types, such as closures
    /// and state machines, count for the type that declares them; other nested types for themselves,
    /// named "Outer+Inner" as reflection names them).
    /// </summary>
    public static IReadOnlyDictionary<string, HashSet<string>> ScanMembers(string assemblyPath, string namespacePrefix)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var result = new Dictionary<string, HashSet<string>>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            var owner = typeHandle;
            while (md.GetString(md.GetTypeDefinition(owner).Name).StartsWith('<') && md.GetTypeDefinition(owner).IsNested)
                owner = md.GetTypeDefinition(owner).GetDeclaringType();
            string key = ReflectionName(md, owner);
            if (!key.StartsWith(namespacePrefix + ".", StringComparison.Ordinal)) continue;
            if (!result.TryGetValue(key, out var members)) result[key] = members = new HashSet<string>();
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                if (method.RelativeVirtualAddress == 0) continue;
                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
                foreach (var token in Tokens(il))
                    if (MemberName(md, token) is { } name) members.Add(name);
            }
        }
        return result;
    }

    private static string ReflectionName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        return type.IsNested
            ? ReflectionName(md, type.GetDeclaringType()) + "+" + md.GetString(type.Name)
            : (type.Namespace.IsNil ? "" : md.GetString(type.Namespace) + ".") + md.GetString(type.Name);
    }

    private static string TypeName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeDefinition => ReflectionName(md, (TypeDefinitionHandle)handle),
        HandleKind.TypeReference => md.GetTypeReference((TypeReferenceHandle)handle) is var r
            ? (r.ResolutionScope.Kind == HandleKind.TypeReference ? TypeName(md, (TypeReferenceHandle)r.ResolutionScope) + "+" : r.Namespace.IsNil ? "" : md.GetString(r.Namespace) + ".") + md.GetString(r.Name)
            : "",
        _ => "",
    };

    private static string? MemberName(MetadataReader md, EntityHandle token) => token.Kind switch
    {
        HandleKind.MethodDefinition => md.GetMethodDefinition((MethodDefinitionHandle)token) is var m
            ? TypeName(md, m.GetDeclaringType()) + "::" + md.GetString(m.Name) : null,
        HandleKind.FieldDefinition => md.GetFieldDefinition((FieldDefinitionHandle)token) is var f
            ? TypeName(md, f.GetDeclaringType()) + "::" + md.GetString(f.Name) : null,
        HandleKind.MemberReference => md.GetMemberReference((MemberReferenceHandle)token) is var r
            ? TypeName(md, r.Parent) + "::" + md.GetString(r.Name) : null,
        HandleKind.MethodSpecification => MemberName(md, md.GetMethodSpecification((MethodSpecificationHandle)token).Method),
        _ => null,
    };

    /// <summary>The metadata tokens of a method body's type, method and field operands.</summary>
    private static List<EntityHandle> Tokens(BlobReader il)
    {
        var tokens = new List<EntityHandle>();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il.ReadByte()));
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                case OperandType.InlineSig:
                    tokens.Add(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSwitch:
                    int n = il.ReadInt32();
                    il.Offset += 4 * n;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                default: // InlineBrTarget, InlineI, InlineString, ShortInlineR
                    il.Offset += 4;
                    break;
            }
        }
        return tokens;
    }

    private static void AddConstraints(MetadataReader md, GenericParameterHandle g, Names names, HashSet<string> used, Provider provider)
    {
        foreach (var c in md.GetGenericParameter(g).GetConstraints()) names.AddEntity(md.GetGenericParameterConstraint(c).Type, used, provider);
    }

    private static void AddAttributes(MetadataReader md, CustomAttributeHandleCollection attributes, Names names, HashSet<string> used, Provider provider)
    {
        foreach (var a in attributes) names.AddEntity(md.GetCustomAttribute(a).Constructor, used, provider);
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static void AddBody(MetadataReader md, MethodBodyBlock body, Names names, HashSet<string> used, Provider provider)
    {
        if (!body.LocalSignature.IsNil)
            md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null);
        foreach (var region in body.ExceptionRegions)
            if (!region.CatchType.IsNil) names.AddEntity(region.CatchType, used, provider);
        foreach (var token in Tokens(body.GetILReader()))
        {
            if (token.Kind == HandleKind.StandaloneSignature)
                md.GetStandaloneSignature((StandaloneSignatureHandle)token).DecodeMethodSignature(provider, null);
            else
                names.AddEntity(token, used, provider);
        }
    }

    /// <summary>Full names of type definitions and references, nested types mapped to their outermost declaring type.</summary>
    private sealed class Names(MetadataReader md)
    {
        public string Outermost(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            while (type.IsNested) type = md.GetTypeDefinition(type.GetDeclaringType());
            return Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        public string Outermost(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference) type = md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
            return Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        private static string Join(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

        /// <summary>Adds the types an entity (type, member, method instantiation, attribute constructor) names.</summary>
        public void AddEntity(EntityHandle handle, HashSet<string> used, Provider provider)
        {
            if (handle.IsNil) return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    used.Add(Outermost((TypeDefinitionHandle)handle));
                    break;
                case HandleKind.TypeReference:
                    used.Add(Outermost((TypeReferenceHandle)handle));
                    break;
                case HandleKind.TypeSpecification:
                    md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(provider, null);
                    break;
                case HandleKind.MethodDefinition:
                    used.Add(Outermost(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()));
                    break;
                case HandleKind.FieldDefinition:
                    used.Add(Outermost(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()));
                    break;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    AddEntity(member.Parent, used, provider);
                    if (member.GetKind() == MemberReferenceKind.Method) member.DecodeMethodSignature(provider, null);
                    else member.DecodeFieldSignature(provider, null);
                    break;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    AddEntity(spec.Method, used, provider);
                    spec.DecodeSignature(provider, null);
                    break;
            }
        }
    }

    /// <summary>Decodes signatures, recording every named type; the decoded value itself is unused.</summary>
    private sealed class Provider(Names names, HashSet<string> used) : ISignatureTypeProvider<int, object?>
    {
        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            used.Add(names.Outermost(handle));
            return 0;
        }

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            used.Add(names.Outermost(handle));
            return 0;
        }

        public int GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? context, int index) => 0;
        public int GetGenericTypeParameter(object? context, int index) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
