package io.pgpacer.pcs;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads the configuration section of a CIB as {@code cibadmin --query} prints it. The JDK's DOM parser runs with
 * DTDs and external entities refused, so a crafted file cannot make it read local files or the network (XXE).
 */
public final class CibReader {

    private CibReader() {
    }

    /** @throws ImportException when the text is not well-formed XML or not a CIB */
    public static PacemakerConfig read(String name, String xml) {
        Element cib = parse(name, xml).getDocumentElement();
        if (!cib.getTagName().equals("cib")) {
            throw new ImportException(name + " is XML but not a Pacemaker CIB (its root element is <"
                    + cib.getTagName() + ">, not <cib>); give the output of 'cibadmin --query'");
        }
        Element configuration = child(cib, "configuration");
        if (configuration == null) {
            throw new ImportException(name + " is a CIB without a <configuration> section; give the full output of"
                    + " 'cibadmin --query'");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        Element crmConfig = child(configuration, "crm_config");
        if (crmConfig != null) {
            for (Element set : children(crmConfig, "cluster_property_set")) {
                properties.putAll(nvpairs(set));
            }
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        Element rscDefaults = child(configuration, "rsc_defaults");
        if (rscDefaults != null) {
            for (Element set : children(rscDefaults, "meta_attributes")) {
                defaults.putAll(nvpairs(set));
            }
        }
        List<String> nodes = new ArrayList<>();
        Element nodesElement = child(configuration, "nodes");
        if (nodesElement != null) {
            for (Element node : children(nodesElement, "node")) {
                nodes.add(node.getAttribute("uname"));
            }
        }
        List<PacemakerConfig.Primitive> primitives = new ArrayList<>();
        List<PacemakerConfig.Group> groups = new ArrayList<>();
        List<PacemakerConfig.Clone> clones = new ArrayList<>();
        Element resources = child(configuration, "resources");
        if (resources != null) {
            for (Element resource : children(resources, null)) {
                switch (resource.getTagName()) {
                    case "primitive" -> primitives.add(primitive(resource));
                    case "group" -> groups.add(group(resource, primitives));
                    case "clone", "master" -> {
                        Element inner = child(resource, "primitive");
                        Element innerGroup = child(resource, "group");
                        if (inner != null) {
                            primitives.add(primitive(inner));
                        } else if (innerGroup != null) {
                            groups.add(group(innerGroup, primitives));
                        }
                        Map<String, String> meta = metaOf(resource);
                        if (resource.getTagName().equals("master")) {
                            meta.put("promotable", "true");
                        }
                        clones.add(new PacemakerConfig.Clone(resource.getAttribute("id"),
                                inner != null ? inner.getAttribute("id")
                                        : innerGroup != null ? innerGroup.getAttribute("id") : null, meta));
                    }
                    default -> primitives.add(new PacemakerConfig.Primitive(resource.getAttribute("id"),
                            "<" + resource.getTagName() + ">", Map.of(), Map.of(), List.of()));
                }
            }
        }
        List<PacemakerConfig.Constraint> constraints = new ArrayList<>();
        Element constraintsElement = child(configuration, "constraints");
        if (constraintsElement != null) {
            for (Element c : children(constraintsElement, null)) {
                constraints.add(constraint(c));
            }
        }
        return new PacemakerConfig(PacemakerConfig.Source.CIB, properties, defaults, nodes, Map.of(), primitives,
                groups, clones, constraints, List.of());
    }

    private static Document parse(String name, String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // why: the default handler prints every problem to stderr before it throws
            builder.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (SAXParseException e) {
            String problem = e.getMessage() == null ? "syntax error" : e.getMessage().strip();
            throw new ImportException(name + " is not well-formed XML (line " + e.getLineNumber() + ": "
                    + (problem.endsWith(".") ? problem.substring(0, problem.length() - 1) : problem)
                    + "); give the unchanged output of 'cibadmin --query'");
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new ImportException(name + " cannot be read as XML: " + e.getMessage());
        }
    }

    private static PacemakerConfig.Primitive primitive(Element e) {
        String provider = e.getAttribute("provider");
        String agent = e.getAttribute("class") + (provider.isEmpty() ? "" : ":" + provider) + ":"
                + e.getAttribute("type");
        Map<String, String> params = new LinkedHashMap<>();
        for (Element set : children(e, "instance_attributes")) {
            params.putAll(nvpairs(set));
        }
        List<PacemakerConfig.Op> ops = new ArrayList<>();
        Element operations = child(e, "operations");
        if (operations != null) {
            for (Element op : children(operations, "op")) {
                ops.add(new PacemakerConfig.Op(op.getAttribute("name"), attribute(op, "interval"),
                        attribute(op, "timeout"), attribute(op, "on-fail"), attribute(op, "role")));
            }
        }
        return new PacemakerConfig.Primitive(e.getAttribute("id"), agent, params, metaOf(e), ops);
    }

    private static PacemakerConfig.Group group(Element e, List<PacemakerConfig.Primitive> primitives) {
        List<String> members = new ArrayList<>();
        for (Element member : children(e, "primitive")) {
            primitives.add(primitive(member));
            members.add(member.getAttribute("id"));
        }
        return new PacemakerConfig.Group(e.getAttribute("id"), members, metaOf(e));
    }

    private static Map<String, String> metaOf(Element e) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (Element set : children(e, "meta_attributes")) {
            meta.putAll(nvpairs(set));
        }
        return meta;
    }

    private static PacemakerConfig.Constraint constraint(Element c) {
        String id = c.getAttribute("id");
        return switch (c.getTagName()) {
            case "rsc_colocation" -> new PacemakerConfig.Colocation(id, c.getAttribute("rsc"),
                    attribute(c, "rsc-role"), c.getAttribute("with-rsc"), attribute(c, "with-rsc-role"),
                    attribute(c, "score"));
            case "rsc_order" -> new PacemakerConfig.Order(id, defaultTo(attribute(c, "first-action"), "start"),
                    c.getAttribute("first"), defaultTo(attribute(c, "then-action"), "start"), c.getAttribute("then"),
                    attribute(c, "score") != null ? attribute(c, "score") : attribute(c, "kind"),
                    attribute(c, "symmetrical"));
            case "rsc_location" -> {
                List<Element> rules = children(c, "rule");
                if (rules.isEmpty()) {
                    yield new PacemakerConfig.Location(id, c.getAttribute("rsc"), c.getAttribute("node"),
                            attribute(c, "score"));
                }
                List<PacemakerConfig.Rule> read = new ArrayList<>();
                for (Element rule : rules) {
                    List<String> expressions = new ArrayList<>();
                    for (Element expression : children(rule, null)) {
                        expressions.add(expression(expression));
                    }
                    read.add(new PacemakerConfig.Rule(attribute(rule, "score"), expressions,
                            attribute(rule, "boolean-op")));
                }
                yield new PacemakerConfig.RuleLocation(id, c.getAttribute("rsc"), read);
            }
            default -> new PacemakerConfig.Location(id, "<" + c.getTagName() + ">", null, null);
        };
    }

    private static String expression(Element e) {
        if (!e.getTagName().equals("expression")) {
            return "<" + e.getTagName() + ">";
        }
        String value = attribute(e, "value");
        return e.getAttribute("attribute") + " " + e.getAttribute("operation") + (value == null ? "" : " " + value);
    }

    private static Map<String, String> nvpairs(Element set) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Element pair : children(set, "nvpair")) {
            values.put(pair.getAttribute("name"), pair.getAttribute("value"));
        }
        return values;
    }

    private static String attribute(Element e, String name) {
        return e.hasAttribute(name) ? e.getAttribute(name) : null;
    }

    private static String defaultTo(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static Element child(Element parent, String tag) {
        List<Element> found = children(parent, tag);
        return found.isEmpty() ? null : found.get(0);
    }

    /** The element children named {@code tag}, or all of them when it is null. */
    private static List<Element> children(Element parent, String tag) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (tag == null || e.getTagName().equals(tag))) {
                found.add(e);
            }
        }
        return found;
    }
}
