package cashier

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Product colours. The cashier works under shop lighting: a light theme,
// one brand blue for "go", and the outcome colours everyone reads at a
// glance (green paid, amber offline, red declined).
var (
	colBrand     = color.NRGBA{0x1F, 0x5E, 0xFF, 0xFF}
	colBrandDark = color.NRGBA{0x12, 0x20, 0x3A, 0xFF}
	colBg        = color.NRGBA{0xF3, 0xF5, 0xF9, 0xFF}
	colCard      = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colInk       = color.NRGBA{0x17, 0x1F, 0x2E, 0xFF}
	colMuted     = color.NRGBA{0x66, 0x70, 0x85, 0xFF}
	colLine      = color.NRGBA{0xDD, 0xE2, 0xEC, 0xFF}
	colKey       = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colGreen     = color.NRGBA{0x12, 0x9A, 0x56, 0xFF}
	colAmber     = color.NRGBA{0xE5, 0x8E, 0x12, 0xFF}
	colRed       = color.NRGBA{0xD8, 0x35, 0x35, 0xFF}
	colGrey      = color.NRGBA{0x7A, 0x84, 0x96, 0xFF}
	colPaleBlue  = color.NRGBA{0xE6, 0xEE, 0xFF, 0xFF}
	colWhite     = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// Theme is the product theme: fyne's default shapes and icons, the
// terminal's colours, bigger text and touch targets.
type Theme struct{}

var _ fyne.Theme = Theme{}

// NewTheme returns the product theme; cmd sets it with
// app.Settings().SetTheme(cashier.NewTheme()).
func NewTheme() fyne.Theme { return Theme{} }

func (Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return colBg
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return colBrand
	case theme.ColorNameForeground:
		return colInk
	case theme.ColorNameButton:
		return colCard
	case theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return colCard
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return colLine
	case theme.ColorNamePlaceHolder:
		return colMuted
	case theme.ColorNameSuccess:
		return colGreen
	case theme.ColorNameWarning:
		return colAmber
	case theme.ColorNameError:
		return colRed
	case theme.ColorNameHeaderBackground:
		return colBrandDark
	case theme.ColorNameHover:
		return color.NRGBA{0x1F, 0x5E, 0xFF, 0x14}
	case theme.ColorNamePressed:
		return color.NRGBA{0x1F, 0x5E, 0xFF, 0x30}
	case theme.ColorNameSelection:
		return color.NRGBA{0x1F, 0x5E, 0xFF, 0x30}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

func (Theme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 15
	case theme.SizeNameHeadingText:
		return 24
	case theme.SizeNameSubHeadingText:
		return 18
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameInnerPadding:
		return 10
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 8
	case theme.SizeNameInlineIcon:
		return 22
	}
	return theme.DefaultTheme().Size(n)
}
