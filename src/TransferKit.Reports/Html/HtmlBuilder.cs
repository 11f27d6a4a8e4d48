using System.Net;
using System.Text;

namespace TransferKit.Reports.Html;

/// <summary>Appends HTML; every text goes through <see cref="Escape"/>, images are embedded as data URIs.</summary>
internal sealed class HtmlBuilder
{
    private readonly StringBuilder _sb = new();

    /// <summary>HTML-escapes text for element content and attribute values (&lt; &gt; &amp; &quot; &#39;).</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>Appends markup as is (only for literals of this assembly).</summary>
    public HtmlBuilder Raw(string markup)
    {
        _sb.Append(markup);
        return this;
    }

    /// <summary>Appends escaped text.</summary>
    public HtmlBuilder Text(string? text)
    {
        _sb.Append(Escape(text));
        return this;
    }

    /// <summary>Appends &lt;tag&gt;escaped text&lt;/tag&gt;.</summary>
    public HtmlBuilder Element(string tag, string? text, string? cssClass = null)
    {
        _sb.Append('<').Append(tag);
        if (cssClass is not null) _sb.Append(" class=\"").Append(Escape(cssClass)).Append('"');
        _sb.Append('>').Append(Escape(text)).Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>Appends an &lt;img&gt; holding <paramref name="png"/> as a base64 data URI.</summary>
    public HtmlBuilder Image(byte[] png, string alt, string? cssClass = null)
    {
        _sb.Append("<img");
        if (cssClass is not null) _sb.Append(" class=\"").Append(Escape(cssClass)).Append('"');
        _sb.Append(" alt=\"").Append(Escape(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">");
        return this;
    }

    /// <summary>Appends a table: a header row and rows of escaped cells.</summary>
    public HtmlBuilder Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string? cssClass = null)
    {
        _sb.Append(cssClass is null ? "<table>" : $"<table class=\"{Escape(cssClass)}\">").Append("<thead><tr>");
        foreach (var h in header) _sb.Append("<th>").Append(Escape(h)).Append("</th>");
        _sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            _sb.Append("<tr>");
            foreach (var cell in row) _sb.Append("<td>").Append(Escape(cell)).Append("</td>");
            _sb.Append("</tr>");
        }
        _sb.Append("</tbody></table>");
        return this;
    }

    /// <summary>Opens a section with an id and a heading.</summary>
    public HtmlBuilder Section(string id, string heading) => Raw($"<section id=\"{id}\"><h2>").Text(heading).Raw("</h2>");

    /// <summary>Closes a section.</summary>
    public HtmlBuilder EndSection() => Raw("</section>\n");

    /// <summary>A paragraph saying why a section has nothing to show.</summary>
    public HtmlBuilder Note(string text) => Element("p", text, "note");

    /// <inheritdoc />
    public override string ToString() => _sb.ToString();
}
