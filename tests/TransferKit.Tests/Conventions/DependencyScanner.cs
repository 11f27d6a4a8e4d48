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
        var il = body.GetILReader();
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
                    names.AddEntity(MetadataTokens.EntityHandle(il.ReadInt32()), used, provider);
                    break;
                case OperandType.InlineSig:
                    md.GetStandaloneSignature((StandaloneSignatureHandle)MetadataTokens.EntityHandle(il.ReadInt32())).DecodeMethodSignature(provider, null);
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
